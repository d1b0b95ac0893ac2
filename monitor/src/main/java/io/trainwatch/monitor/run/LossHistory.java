package io.trainwatch.monitor.run;

import io.trainwatch.schemas.util.Quantiles;
import java.util.Arrays;

/**
 * A bounded summary of a run's finite losses: the start level, a smoothed level and its best value,
 * the noise around it, the last few raw values, and block means over a longer horizon. Non-finite
 * losses are ignored: they would poison every statistic, and they have a rule of their own.
 *
 * <p>Everything here is statistics, independent of any rule's settings, so per-run configuration
 * can change without changing what is stored.
 */
public final class LossHistory {

  /** Smoothing factor of the exponential moving average (a span of about 19 batches). */
  public static final double EMA_ALPHA = 0.1;

  /** How many of the first losses define the start level. */
  public static final int INITIAL = 5;

  /** How many recent raw losses are kept. */
  public static final int RECENT = 16;

  /**
   * Losses the smoothed level must have absorbed before its lowest value counts as the best level
   * reached: until then it is the plain mean of the losses so far, and one lucky first batch must
   * not become a "best" that a noisy but healthy run then seems to have left.
   */
  public static final int SETTLED = (int) Math.round(1 / EMA_ALPHA);

  /** Batches per block mean. */
  public static final int BLOCK_SIZE = 25;

  /** Block means kept: a horizon of {@code BLOCK_SIZE * BLOCKS} batches. */
  public static final int BLOCKS = 48;

  /** Scales a median absolute deviation to a standard deviation for normal data. */
  private static final double MAD_TO_SIGMA = 1.4826;

  long finite;
  double initialSum;
  double ema;
  double emaMin;
  double noiseAtMin;
  final float[] recent = new float[RECENT];
  int recentNext;
  double blockSum;
  int blockFill;
  final float[] blocks = new float[BLOCKS];
  long blocksDone;

  /**
   * {@link #recentNoise()} as last computed, valid while {@link #finite} equals {@link
   * #noiseAtCount} (the recent losses change only with it): the loss is observed and then judged
   * with the same noise. Not part of the stored state.
   */
  private double noiseCache;

  private long noiseAtCount = -1;

  /** Adds one batch's loss; non-finite values are ignored. */
  public void observe(double loss) {
    if (!Double.isFinite(loss)) {
      return;
    }
    if (finite < INITIAL) {
      initialSum += loss;
    }
    // The mean of the losses so far until it has SETTLED samples, then an exponential moving
    // average.
    ema += Math.max(EMA_ALPHA, 1.0 / (finite + 1)) * (loss - ema);
    recent[recentNext] = (float) loss;
    recentNext = (recentNext + 1) % RECENT;
    finite++;
    if (finite <= SETTLED || ema < emaMin) {
      emaMin = ema;
      noiseAtMin = recentNoise();
    }
    blockSum += loss;
    if (++blockFill == BLOCK_SIZE) {
      blocks[(int) (blocksDone % BLOCKS)] = (float) (blockSum / BLOCK_SIZE);
      blocksDone++;
      blockSum = 0;
      blockFill = 0;
    }
  }

  /**
   * Starts judging the loss afresh from its current smoothed level: after an incident during which
   * the loss was not a training curve (non-finite, or below its bound), the best level reached
   * before or during it means nothing.
   */
  public void rebaseline() {
    if (finite > 0) {
      emaMin = ema;
      noiseAtMin = recentNoise();
    }
  }

  /** Number of finite losses seen. */
  public long finiteCount() {
    return finite;
  }

  /**
   * Mean of the first {@link #INITIAL} finite losses (fewer while the run is younger), NaN before
   * any.
   */
  public double initialLevel() {
    return finite == 0 ? Double.NaN : initialSum / Math.min(finite, INITIAL);
  }

  /** The smoothed loss, NaN before any. */
  public double ema() {
    return finite == 0 ? Double.NaN : ema;
  }

  /**
   * The lowest smoothed loss since it settled ({@link #SETTLED} losses; the current one until
   * then), NaN before any.
   */
  public double emaMin() {
    return finite == 0 ? Double.NaN : emaMin;
  }

  /**
   * The robust noise estimate ({@link #recentNoise()}) when the lowest smoothed loss was reached.
   */
  public double noiseAtMin() {
    return finite == 0 ? Double.NaN : noiseAtMin;
  }

  /** How many recent raw losses are held (at most {@link #RECENT}). */
  public int recentCount() {
    return (int) Math.min(finite, RECENT);
  }

  /** Smallest of the recent raw losses, NaN before any. */
  public double recentMin() {
    double m = Double.NaN;
    for (int i = 0; i < recentCount(); i++) {
      m = i == 0 ? recent[i] : Math.min(m, recent[i]);
    }
    return m;
  }

  /** Largest of the recent raw losses, NaN before any. */
  public double recentMax() {
    double m = Double.NaN;
    for (int i = 0; i < recentCount(); i++) {
      m = i == 0 ? recent[i] : Math.max(m, recent[i]);
    }
    return m;
  }

  /** Median of the recent raw losses, NaN before any. */
  public double recentMedian() {
    int n = recentCount();
    if (n == 0) {
      return Double.NaN;
    }
    float[] sorted = Arrays.copyOf(recent, n);
    Arrays.sort(sorted);
    return Quantiles.medianOfSorted(sorted);
  }

  /**
   * A robust estimate of the batch-to-batch noise of the recent raw losses: the median absolute
   * deviation of their consecutive differences, scaled to a standard deviation (1.4826 / sqrt 2).
   * Differencing removes the trend, so a loss that climbs (or falls) steadily does not pass for
   * noise; the median ignores a few outliers. 0 with fewer than three values.
   */
  public double recentNoise() {
    if (noiseAtCount == finite) {
      return noiseCache;
    }
    noiseCache = computeRecentNoise();
    noiseAtCount = finite;
    return noiseCache;
  }

  private double computeRecentNoise() {
    int n = recentCount();
    if (n < 3) {
      return 0;
    }
    float[] diffs = new float[n - 1];
    int oldest = n < RECENT ? 0 : recentNext;
    for (int i = 0; i < n - 1; i++) {
      diffs[i] = recent[(oldest + i + 1) % RECENT] - recent[(oldest + i) % RECENT];
    }
    Arrays.sort(diffs);
    double m = Quantiles.medianOfSorted(diffs);
    for (int i = 0; i < diffs.length; i++) {
      diffs[i] = (float) Math.abs(diffs[i] - m);
    }
    Arrays.sort(diffs);
    return MAD_TO_SIGMA / Math.sqrt(2) * Quantiles.medianOfSorted(diffs);
  }

  /** Number of complete blocks of {@link #BLOCK_SIZE} finite losses so far. */
  public long completedBlocks() {
    return blocksDone;
  }

  /**
   * Mean loss of a complete block: 0 = the latest, 1 = the one before, ...
   *
   * @throws IllegalArgumentException if that block is not (or no longer) held
   */
  public double blockMean(int blocksAgo) {
    if (blocksAgo < 0 || blocksAgo >= BLOCKS || blocksAgo >= blocksDone) {
      throw new IllegalArgumentException(
          "blocksAgo=" + blocksAgo + ": must be in [0, " + Math.min(BLOCKS, blocksDone) + ")");
    }
    return blocks[(int) ((blocksDone - 1 - blocksAgo) % BLOCKS)];
  }
}
