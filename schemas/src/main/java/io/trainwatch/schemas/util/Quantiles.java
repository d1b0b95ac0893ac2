package io.trainwatch.schemas.util;

import java.util.Arrays;

/**
 * The one definition of a percentile in trainwatch, for rules, reports and benchmarks alike.
 *
 * <p><b>Percentiles are by the nearest rank</b>: the p-th percentile of n values is the smallest
 * value such that at least p% of the values are at or below it, that is the ⌈p/100 × n⌉-th smallest
 * (the smallest for p near 0). It is always a value that was observed, never an interpolation, and
 * it is exact. The windows trainwatch takes percentiles over are small (a job's last 64 step times,
 * the alert latencies of a benchmark window, a run's gradient ratios), so the values are kept and
 * sorted rather than bucketed: a histogram such as HdrHistogram would answer the same question
 * (HdrHistogram's {@code getValueAtPercentile} is also a nearest rank) only approximately, and is
 * for streams too long to keep. Consequences worth knowing: the p99 of fewer than 100 values is
 * their largest; the p50 of an even count is the lower of the two middle values.
 *
 * <p><b>The median is the conventional one</b>: the middle value, or the mean of the two middle
 * values for an even count. It is what the robust statistics (median absolute deviation, the
 * straggler and divergence rules, the loss noise) are built and calibrated on, and what reports
 * call "median"; {@link #percentile} at 50 is the nearest-rank p50 instead.
 *
 * <p>Non-finite values sort as {@link Arrays#sort(double[])} sorts them (NaN last); callers that
 * mean to ignore them filter them out first.
 */
public final class Quantiles {

  private Quantiles() {}

  /**
   * The nearest-rank {@code percent}-th percentile of values in any order (not modified); NaN when
   * there are none.
   *
   * @param percent in (0, 100]
   */
  public static double percentile(double[] values, double percent) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return percentileOfSorted(sorted, percent);
  }

  /** The nearest-rank {@code percent}-th percentile of sorted values; NaN when there are none. */
  public static double percentileOfSorted(double[] sorted, double percent) {
    return sorted.length == 0 ? Double.NaN : sorted[rankIndex(sorted.length, percent)];
  }

  /**
   * The nearest-rank {@code percent}-th percentile of sorted values.
   *
   * @throws IllegalArgumentException when there are none
   */
  public static long percentileOfSorted(long[] sorted, double percent) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no values: a percentile needs at least one");
    }
    return sorted[rankIndex(sorted.length, percent)];
  }

  /** The median of values in any order (not modified); NaN when there are none. */
  public static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return medianOfSorted(sorted);
  }

  /** The median of sorted values; NaN when there are none. */
  public static double medianOfSorted(double[] sorted) {
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The median of sorted floats, computed in double; NaN when there are none. */
  public static double medianOfSorted(float[] sorted) {
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + (double) sorted[n / 2]) / 2;
  }

  /** The median of sorted longs; NaN when there are none. */
  public static double medianOfSorted(long[] sorted) {
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }

  private static int rankIndex(int n, double percent) {
    if (!(percent > 0 && percent <= 100)) {
      throw new IllegalArgumentException("percent=" + percent + ": must be in (0, 100]");
    }
    int rank = (int) Math.ceil(percent / 100.0 * n);
    return Math.max(rank, 1) - 1;
  }
}
