package io.trainwatch.schemas;

/**
 * Summary statistics of one tensor over one batch.
 *
 * @param nonfinite number of NaN or infinite elements
 * @param count number of elements summarised
 * @param rowSumMean mean of per-row sums, or {@code null} when not computed (about 1 for softmax
 *     outputs)
 * @param rowSumStd standard deviation of per-row sums, or {@code null} when not computed
 */
public record Stats(
    double min,
    double max,
    double mean,
    double std,
    long nonfinite,
    long count,
    Double rowSumMean,
    Double rowSumStd) {

  public Stats {
    if (nonfinite < 0) {
      throw new IllegalArgumentException("nonfinite=" + nonfinite + ": must be >= 0");
    }
    if (count < 0) {
      throw new IllegalArgumentException("count=" + count + ": must be >= 0");
    }
    if (nonfinite > count) {
      throw new IllegalArgumentException("nonfinite=" + nonfinite + ": must be <= count=" + count);
    }
  }

  /** Statistics without the per-row sums. */
  public static Stats of(
      double min, double max, double mean, double std, long nonfinite, long count) {
    return new Stats(min, max, mean, std, nonfinite, count, null, null);
  }

  /** {@code true} if every summarised element was finite, {@code false} otherwise. */
  public boolean allFinite() {
    return nonfinite == 0 && Double.isFinite(min) && Double.isFinite(max) && Double.isFinite(mean);
  }
}
