package io.trainwatch.bench;

import io.trainwatch.schemas.util.Quantiles;
import java.util.Arrays;
import java.util.Collection;

/**
 * One figure measured over repeated runs: the median is the figure quoted, min and max show the
 * spread.
 *
 * @param median the middle value (mean of the two middle values for an even count), as {@link
 *     Quantiles#median} defines it
 * @param min the smallest value
 * @param max the largest value
 * @param count how many repetitions
 */
public record Summary(double median, double min, double max, int count) {

  public Summary {
    if (count < 1) {
      throw new IllegalArgumentException("count=" + count + ": must be >= 1");
    }
    if (!(min <= median && median <= max)) {
      throw new IllegalArgumentException(
          "min=" + min + ", median=" + median + ", max=" + max + ": must be ordered");
    }
  }

  /** Summarizes the values of the repetitions. */
  public static Summary of(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("values: at least one repetition needed");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = Quantiles.medianOfSorted(sorted);
    return new Summary(median, sorted[0], sorted[n - 1], n);
  }

  /** Summarizes the values of the repetitions. */
  public static Summary of(Collection<? extends Number> values) {
    return of(values.stream().mapToDouble(Number::doubleValue).toArray());
  }

  /** {@code "12.3 (min 11.9, max 13.0, n=3)"} with the given format for each number. */
  public String format(String numberFormat) {
    String median = String.format(java.util.Locale.ROOT, numberFormat, this.median);
    if (count == 1) {
      return median + " (n=1)";
    }
    return median
        + " (min "
        + String.format(java.util.Locale.ROOT, numberFormat, min)
        + ", max "
        + String.format(java.util.Locale.ROOT, numberFormat, max)
        + ", n="
        + count
        + ")";
  }
}
