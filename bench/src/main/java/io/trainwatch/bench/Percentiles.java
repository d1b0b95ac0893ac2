package io.trainwatch.bench;

import java.util.Arrays;

/**
 * Latency percentiles by the nearest-rank method: p99 of 100 samples is the 99th smallest, never an
 * interpolation below a value that was actually observed.
 *
 * @param p50Ms median, milliseconds
 * @param p99Ms 99th percentile, milliseconds
 * @param maxMs largest sample, milliseconds
 * @param count number of samples
 */
public record Percentiles(double p50Ms, double p99Ms, double maxMs, int count) {

  public Percentiles {
    if (count < 1) {
      throw new IllegalArgumentException("count=" + count + ": must be >= 1");
    }
  }

  /** Percentiles of latencies given in nanoseconds. */
  public static Percentiles ofNanos(long[] latenciesNs) {
    if (latenciesNs.length == 0) {
      throw new IllegalArgumentException("latencies: at least one sample needed");
    }
    long[] sorted = latenciesNs.clone();
    Arrays.sort(sorted);
    return new Percentiles(
        toMs(nearestRank(sorted, 50)),
        toMs(nearestRank(sorted, 99)),
        toMs(sorted[sorted.length - 1]),
        sorted.length);
  }

  /** The smallest sample such that at least {@code percent}% of the samples are at or below it. */
  static long nearestRank(long[] sorted, double percent) {
    if (!(percent > 0 && percent <= 100)) {
      throw new IllegalArgumentException("percent=" + percent + ": must be in (0, 100]");
    }
    int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  private static double toMs(long nanos) {
    return nanos / 1e6;
  }
}
