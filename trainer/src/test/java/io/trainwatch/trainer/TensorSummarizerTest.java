package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Stats;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class TensorSummarizerTest {

  private final TensorSummarizer summarizer = new TensorSummarizer();

  @Test
  void shouldMatchStatisticsComputedOnTheHost() {
    float[] values = randomValues(7 * 13, 1, -3, 5);
    INDArray x = Nd4j.create(values, new long[] {7, 13}, DataType.FLOAT);

    Stats s = summarizer.summarize(x, true);

    double[] expected = hostMoments(values);
    assertThat(s.min()).isCloseTo(expected[0], within(1e-6));
    assertThat(s.max()).isCloseTo(expected[1], within(1e-6));
    assertThat(s.mean()).isCloseTo(expected[2], within(1e-5));
    assertThat(s.std()).isCloseTo(expected[3], within(1e-5));
    assertThat(s.nonfinite()).isZero();
    assertThat(s.count()).isEqualTo(91);
    double[] rowSums = new double[7];
    for (int r = 0; r < 7; r++) {
      for (int c = 0; c < 13; c++) {
        rowSums[r] += values[r * 13 + c];
      }
    }
    double[] rowMoments = hostMoments(rowSums);
    assertThat(s.rowSumMean()).isCloseTo(rowMoments[2], within(1e-4));
    assertThat(s.rowSumStd()).isCloseTo(rowMoments[3], within(1e-4));
  }

  @Test
  void shouldReuseItsOutputsAcrossCallsAndShapes() {
    for (int rows = 1; rows <= 4; rows++) {
      float[] values = randomValues(rows * 3, rows, 0, 1);
      Stats s =
          summarizer.summarize(Nd4j.create(values, new long[] {rows, 3}, DataType.FLOAT), true);
      double[] expected = hostMoments(values);
      assertThat(s.mean()).isCloseTo(expected[2], within(1e-6));
      assertThat(s.count()).isEqualTo(rows * 3L);
    }
  }

  @Test
  void shouldSummarizeAMovingWindowOfWholeRowsOfALargeInput() {
    float[] values = randomValues(10 * 7, 5, -1, 1);
    INDArray x = Nd4j.create(values, new long[] {10, 7}, DataType.FLOAT);

    Stats first = summarizer.summarizeRows(x, 21, 0);
    Stats second = summarizer.summarizeRows(x, 21, 1);

    assertThat(first.count()).isEqualTo(21);
    assertThat(first.mean())
        .isCloseTo(hostMoments(java.util.Arrays.copyOfRange(values, 0, 21))[2], within(1e-6));
    assertThat(second.mean())
        .isCloseTo(hostMoments(java.util.Arrays.copyOfRange(values, 21, 42))[2], within(1e-6));
  }

  /**
   * A row window of an array made by an ND4J op (not from a Java array) is summarized as its copy.
   */
  @Test
  void shouldSummarizeAWindowOfAnArrayMadeByAnOpAsItsCopy() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray x = Nd4j.rand(type, 128, 784);
      for (long rotation = 0; rotation < 3; rotation++) {
        long start = rotation * 20;
        Stats window = summarizer.summarizeRows(x, 16_384, rotation);
        Stats copy =
            summarizer.summarize(x.get(NDArrayIndex.interval(start, start + 20)).dup(), false);

        assertThat(window).as("%s, rows %d..%d", type, start, start + 19).isEqualTo(copy);
      }
    }
  }

  @Test
  void shouldSummarizeWholeExamplesOfAnImageBatch() {
    float[] values = randomValues(4 * 2 * 3 * 3, 9, 0, 255);
    INDArray x = Nd4j.create(values, new long[] {4, 2, 3, 3}, DataType.FLOAT);

    // Two whole 2x3x3 examples fit in 40 elements; the third window of two starts at example (2 *
    // 2) mod 3 = 1.
    Stats s = summarizer.summarizeRows(x, 40, 2);

    assertThat(s.count()).isEqualTo(36);
    double[] expected = hostMoments(java.util.Arrays.copyOfRange(values, 18, 54));
    assertThat(s.max()).isCloseTo(expected[1], within(1e-4));
    assertThat(s.mean()).isCloseTo(expected[2], within(1e-3));
  }

  @Test
  void shouldSummarizeEverythingBelowTheCap() {
    float[] values = randomValues(12, 2, 0, 1);

    Stats s =
        summarizer.summarizeRows(Nd4j.create(values, new long[] {3, 4}, DataType.FLOAT), 12, 5);

    assertThat(s.count()).isEqualTo(12);
    assertThat(s.mean()).isCloseTo(hostMoments(values)[2], within(1e-6));
  }

  @Test
  void shouldSummarizeDoubleAndIntegerTensors() {
    Stats doubles =
        summarizer.summarize(
            Nd4j.create(new double[] {1, 2, 3, 4}, new long[] {2, 2}, DataType.DOUBLE));
    Stats ints =
        summarizer.summarize(
            Nd4j.create(new int[] {0, 255, 255, 0}, new long[] {2, 2}, DataType.INT32));

    assertThat(doubles.mean()).isEqualTo(2.5);
    assertThat(doubles.std()).isCloseTo(Math.sqrt(1.25), within(1e-12));
    assertThat(ints.max()).isEqualTo(255);
    assertThat(ints.mean()).isCloseTo(127.5, within(1e-4));
  }

  @Test
  void shouldKeepTheSpreadOfValuesFarFromZeroAccurate() {
    // A "year" feature: mean 2024, std about 0.6. E[x^2] - E[x]^2 in float would lose the variance
    // entirely.
    float[] values = new float[4096];
    for (int i = 0; i < values.length; i++) {
      values[i] = 2023 + (i % 3);
    }

    Stats s = summarizer.summarize(Nd4j.create(values, new long[] {64, 64}, DataType.FLOAT));

    assertThat(s.mean()).isCloseTo(hostMoments(values)[2], within(1e-3));
    assertThat(s.std()).isCloseTo(hostMoments(values)[3], within(1e-3));
  }

  @Test
  void shouldSummarizeAStridedViewAsItsContiguousCopy() {
    INDArray transposed =
        Nd4j.create(randomValues(13 * 7, 3, -2, 4), new long[] {13, 7}, DataType.FLOAT).transpose();

    Stats view = summarizer.summarize(transposed, true);
    Stats copy = summarizer.summarize(transposed.dup('c'), true);

    assertThat(view.min()).isEqualTo(copy.min());
    assertThat(view.max()).isEqualTo(copy.max());
    assertThat(view.mean()).isCloseTo(copy.mean(), within(1e-9));
    assertThat(view.std()).isCloseTo(copy.std(), within(1e-9));
    assertThat(view.rowSumMean()).isCloseTo(copy.rowSumMean(), within(1e-9));
    assertThat(view.rowSumStd()).isCloseTo(copy.rowSumStd(), within(1e-9));
    assertThat(summarizer.predictions(transposed))
        .isEqualTo(summarizer.predictions(transposed.dup('c')));
  }

  @Test
  void shouldKeepTheL2NormExactWhenTheSquaresLeaveFloatRange() {
    for (float scale : new float[] {1e-25f, 1e-12f, 1f, 1e18f, 1e30f}) {
      float[] values = randomValues(10_000, 5, -1, 1);
      double squares = 0;
      for (int i = 0; i < values.length; i++) {
        values[i] *= scale;
        squares += (double) values[i] * values[i];
      }

      double norm = summarizer.l2Norm(Nd4j.create(values, new long[] {100, 100}, DataType.FLOAT));

      assertThat(norm)
          .as("scale %s", scale)
          .isCloseTo(Math.sqrt(squares), within(1e-4 * Math.sqrt(squares)));
    }
  }

  @Test
  void shouldCountNonFiniteElements() {
    INDArray x =
        Nd4j.create(
            new float[] {1, Float.NaN, 2, Float.POSITIVE_INFINITY, 3, Float.NEGATIVE_INFINITY},
            new long[] {2, 3},
            DataType.FLOAT);

    Stats s = summarizer.summarize(x);

    assertThat(s.nonfinite()).isEqualTo(3);
    assertThat(s.count()).isEqualTo(6);
    assertThat(s.allFinite()).isFalse();
  }

  @Test
  void shouldReportNoNonFiniteElementsForFiniteTensorsEvenWhenTheSumOverflows() {
    INDArray x =
        Nd4j.create(
            new float[] {Float.MAX_VALUE, Float.MAX_VALUE}, new long[] {1, 2}, DataType.FLOAT);

    Stats s = summarizer.summarize(x);

    assertThat(s.nonfinite()).isZero();
    assertThat(s.max()).isEqualTo(Float.MAX_VALUE);
  }

  @Test
  void shouldDescribeTheSpreadOfPredictedClasses() {
    // Rows predict classes 2, 2, 0, 2 out of 3.
    INDArray out =
        Nd4j.create(
            new float[] {0.1f, 0.2f, 0.7f, 0f, 0.1f, 0.9f, 0.8f, 0.1f, 0.1f, 0.3f, 0.3f, 0.4f},
            new long[] {4, 3},
            DataType.FLOAT);

    Predictions p = summarizer.predictions(out);

    assertThat(p.topClassFraction()).isEqualTo(0.75);
    double entropy = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)) / Math.log(3);
    assertThat(p.entropy()).isCloseTo(entropy, within(1e-12));
  }

  @Test
  void shouldReportZeroEntropyWhenEveryRowPredictsTheSameClass() {
    INDArray out =
        Nd4j.create(new float[] {0.9f, 0.1f, 0.8f, 0.2f}, new long[] {2, 2}, DataType.FLOAT);

    Predictions p = summarizer.predictions(out);

    assertThat(p.topClassFraction()).isEqualTo(1.0);
    assertThat(p.entropy()).isZero();
  }

  @Test
  void shouldNotDescribePredictionsOfASingleOutput() {
    assertThat(summarizer.predictions(Nd4j.ones(DataType.FLOAT, 4, 1))).isNull();
  }

  @Test
  void shouldComputeTheL2Norm() {
    float[] values = randomValues(50, 3, -1, 1);
    double sumSq = 0;
    for (float v : values) {
      sumSq += v * v;
    }

    double norm = summarizer.l2Norm(Nd4j.create(values, new long[] {1, 50}, DataType.FLOAT));

    assertThat(norm).isCloseTo(Math.sqrt(sumSq), within(1e-5));
  }

  private static float[] randomValues(int n, long seed, double lo, double hi) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (lo + (hi - lo) * random.nextDouble());
    }
    return v;
  }

  /** min, max, mean, population std. */
  static double[] hostMoments(float[] values) {
    double[] d = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = values[i];
    }
    return hostMoments(d);
  }

  static double[] hostMoments(double[] values) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (double v : values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    double mean = sum / values.length;
    double ss = 0;
    for (double v : values) {
      ss += (v - mean) * (v - mean);
    }
    return new double[] {min, max, mean, Math.sqrt(ss / values.length)};
  }
}
