package io.trainwatch.bench;

import io.trainwatch.schemas.util.Quantiles;
import java.util.Arrays;

/**
 * Latency percentiles by the nearest rank, the one definition in {@link Quantiles}: p99 of 100
 * samples is the 99th smallest, never an interpolation below a value that was actually observed.
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
        toMs(Quantiles.percentileOfSorted(sorted, 50)),
        toMs(Quantiles.percentileOfSorted(sorted, 99)),
        toMs(sorted[sorted.length - 1]),
        sorted.length);
  }

  private static double toMs(long nanos) {
    return nanos / 1e6;
  }
}
