package io.trainwatch.schemas.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class QuantilesTest {

  private static final double[] ONE_TO_HUNDRED =
      IntStream.rangeClosed(1, 100).mapToDouble(i -> i).toArray();

  @Test
  void shouldTakeTheNearestRankAnObservedValueNeverAnInterpolation() {
    assertThat(Quantiles.percentile(ONE_TO_HUNDRED, 99)).isEqualTo(99);
    assertThat(Quantiles.percentile(ONE_TO_HUNDRED, 50)).isEqualTo(50);
    assertThat(Quantiles.percentile(ONE_TO_HUNDRED, 1)).isEqualTo(1);
    assertThat(Quantiles.percentile(ONE_TO_HUNDRED, 100)).isEqualTo(100);
    assertThat(Quantiles.percentile(ONE_TO_HUNDRED, 0.001)).isEqualTo(1);
    assertThat(Quantiles.percentile(new double[] {10, 20, 30, 40}, 50)).isEqualTo(20);
    assertThat(Quantiles.percentile(new double[] {10, 20, 30, 40}, 51)).isEqualTo(30);
    assertThat(Quantiles.percentile(new double[] {7}, 99)).isEqualTo(7);
  }

  @Test
  void shouldTakeTheLargestAsP99OfFewerThanAHundredValues() {
    for (int n = 1; n < 100; n++) {
      double[] v = IntStream.range(0, n).mapToDouble(i -> (i * 37) % 101).toArray();
      assertThat(Quantiles.percentile(v, 99))
          .isEqualTo(java.util.Arrays.stream(v).max().orElseThrow());
    }
    assertThat(Quantiles.percentile(ONE_TO_HUNDRED, 99)).isEqualTo(99);
  }

  @Test
  void shouldLeaveTheValuesAsTheyAre() {
    double[] v = {3, 1, 2};
    Quantiles.percentile(v, 50);
    Quantiles.median(v);
    assertThat(v).containsExactly(3, 1, 2);
  }

  @Test
  void shouldTakeTheSameRankOfLongs() {
    long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertThat(Quantiles.percentileOfSorted(sorted, 50)).isEqualTo(5);
    assertThat(Quantiles.percentileOfSorted(sorted, 99)).isEqualTo(10);
    assertThat(Quantiles.percentileOfSorted(sorted, 10)).isEqualTo(1);
    assertThat(Quantiles.percentileOfSorted(sorted, 11)).isEqualTo(2);
  }

  @Test
  void shouldTakeTheConventionalMedian() {
    assertThat(Quantiles.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(Quantiles.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(Quantiles.medianOfSorted(new float[] {1f, 2f})).isEqualTo(1.5);
    assertThat(Quantiles.medianOfSorted(new float[] {0.1f, 0.2f}))
        .isEqualTo((0.1f + (double) 0.2f) / 2);
    assertThat(Quantiles.medianOfSorted(new long[] {1, 2, 4})).isEqualTo(2);
    assertThat(Quantiles.medianOfSorted(new long[] {1, 2})).isEqualTo(1.5);
  }

  @Test
  void shouldSayNaNWhenThereAreNoValues() {
    assertThat(Quantiles.median(new double[0])).isNaN();
    assertThat(Quantiles.medianOfSorted(new float[0])).isNaN();
    assertThat(Quantiles.medianOfSorted(new long[0])).isNaN();
    assertThat(Quantiles.percentile(new double[0], 99)).isNaN();
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Quantiles.percentileOfSorted(new long[0], 99));
  }

  @Test
  void shouldRefuseAPercentOutsideZeroToHundred() {
    assertThatIllegalArgumentException().isThrownBy(() -> Quantiles.percentile(ONE_TO_HUNDRED, 0));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Quantiles.percentile(ONE_TO_HUNDRED, 100.5));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Quantiles.percentile(ONE_TO_HUNDRED, Double.NaN));
  }
}
