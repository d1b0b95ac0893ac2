package io.trainwatch.simulator;

import java.util.Random;

/** Loss curves as real training produces them: a decay towards a floor, with noise. */
public final class LossCurves {

  private LossCurves() {}

  /** A 10-class cross-entropy decaying from 2.3 to about 0.3, with mild Gaussian noise. */
  public static double noisyDecay(int step, Random random) {
    return Math.max(0.01, 2.0 * Math.exp(-step / 80.0) + 0.3 + 0.05 * random.nextGaussian());
  }

  /**
   * What a batch of 8 gives: noise proportional to the level (about 40%), right-skewed (lognormal),
   * and now and then a hard batch at three times the typical loss.
   */
  public static double smallBatch(int step, Random random) {
    double level = 2.0 * Math.exp(-step / 400.0) + 0.25;
    double noisy = level * Math.exp(0.4 * random.nextGaussian() - 0.08);
    return random.nextDouble() < 0.02 ? noisy * 3 : noisy;
  }
}
