package io.trainwatch.monitor.job;

import io.trainwatch.schemas.util.Quantiles;
import java.util.Arrays;

/**
 * Robust statistics over small samples: MAD and trimmed mean, which one outlier cannot move. The
 * median they rest on is {@link Quantiles#median}.
 */
public final class Robust {

  /** Scales a median absolute deviation to a standard deviation under normal noise. */
  public static final double MAD_TO_SIGMA = 1.4826;

  private Robust() {}

  /** The median absolute deviation from {@code center}; NaN when there are no values. */
  public static double mad(double[] values, double center) {
    double[] dev = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      dev[i] = Math.abs(values[i] - center);
    }
    return Quantiles.median(dev);
  }

  /**
   * The mean of the values without the {@code trim} fraction of smallest and of largest ones; NaN
   * when there are none.
   */
  public static double trimmedMean(double[] values, double trim) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int cut = (int) Math.floor(sorted.length * trim);
    int n = sorted.length - 2 * cut;
    if (n <= 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = cut; i < sorted.length - cut; i++) {
      sum += sorted[i];
    }
    return sum / n;
  }
}
