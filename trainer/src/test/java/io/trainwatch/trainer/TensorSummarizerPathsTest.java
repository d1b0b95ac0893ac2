package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The two paths of {@link TensorSummarizer} on the same tensors: the Java loop over host memory
 * (small float or double tensors on the CPU backend) and the ND4J ops (every tensor on a GPU, large
 * ones on the CPU), forced here with a host limit of 0. Both must agree with each other and with a
 * reference computed in double from the tensor's elements, for every statistic, including NaN and
 * infinities, a tensor over the host limit, a single row and odd shapes and views.
 */
class TensorSummarizerPathsTest {

  /** Every tensor through the ND4J ops, as on a GPU. */
  private final TensorSummarizer nd4j = new TensorSummarizer(0);

  /** Every float or double tensor in host memory through the Java loop, whatever its size. */
  private final TensorSummarizer host = new TensorSummarizer(Long.MAX_VALUE);

  record Case(String name, INDArray x) {
    @Override
    public String toString() {
      return name + " " + x.dataType() + " " + java.util.Arrays.toString(x.shape());
    }
  }

  static List<Case> tensors() {
    List<Case> cases = new ArrayList<>();
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      cases.add(new Case("random", random(type, 1, -3, 5, 7, 13)));
      cases.add(new Case("one row", random(type, 2, -1, 1, 1, 10)));
      cases.add(new Case("one element", random(type, 3, -1, 1, 1, 1)));
      cases.add(new Case("vector", random(type, 4, 0, 1, 37)));
      cases.add(new Case("odd rank 3", random(type, 5, -2, 2, 3, 5, 7)));
      cases.add(new Case("image batch", random(type, 6, 0, 255, 4, 1, 5, 3)));
      cases.add(new Case("f order", random(type, 7, -1, 1, 9, 11).dup('f')));
      cases.add(new Case("transposed view", random(type, 8, -2, 4, 13, 7).transpose()));
      cases.add(
          new Case(
              "row window view",
              random(type, 9, -1, 3, 20, 6).get(NDArrayIndex.interval(5, 12), NDArrayIndex.all())));
      cases.add(
          new Case(
              "column view",
              random(type, 10, -1, 3, 20, 6).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4))));
      cases.add(new Case("far from zero", random(type, 11, 2023, 2025, 64, 64)));
      cases.add(new Case("constant", Nd4j.valueArrayOf(new long[] {5, 4}, 0.25, type)));
      cases.add(new Case("zeros", Nd4j.zeros(type, 3, 3)));
      cases.add(new Case("tiny", random(type, 12, -1e-30, 1e-30, 16, 8)));
      cases.add(new Case("huge", random(type, 13, -1e30, 1e30, 16, 8)));
      cases.add(new Case("NaN", with(random(type, 14, -1, 1, 6, 5), 7, Double.NaN)));
      cases.add(new Case("+Inf", with(random(type, 15, -1, 1, 6, 5), 3, Double.POSITIVE_INFINITY)));
      cases.add(
          new Case("-Inf", with(random(type, 16, -1, 1, 6, 5), 29, Double.NEGATIVE_INFINITY)));
      cases.add(
          new Case(
              "+Inf and -Inf",
              with(
                  with(random(type, 17, -1, 1, 4, 5), 0, Double.POSITIVE_INFINITY),
                  19,
                  Double.NEGATIVE_INFINITY)));
      cases.add(
          new Case(
              "NaN first and Inf",
              with(
                  with(random(type, 18, -1, 1, 4, 5), 0, Double.NaN),
                  6,
                  Double.POSITIVE_INFINITY)));
      cases.add(new Case("all NaN", Nd4j.valueArrayOf(new long[] {3, 4}, Double.NaN, type)));
      cases.add(
          new Case(
              "NaN in a row window view",
              with(random(type, 19, -1, 1, 10, 4), 22, Double.NaN)
                  .get(NDArrayIndex.interval(4, 8), NDArrayIndex.all())));
      cases.add(
          new Case(
              "NaN in a transposed view",
              with(random(type, 20, 0, 1, 6, 9), 13, Double.NaN).transpose()));
    }
    // Over the default host limit (2^20 elements): on the CPU too, the ND4J ops summarize these.
    cases.add(new Case("large", random(DataType.FLOAT, 21, -0.5, 1.5, 1031, 1021)));
    cases.add(new Case("large far from zero", random(DataType.FLOAT, 22, 99, 101, 1031, 1021)));
    cases.add(
        new Case(
            "large with NaN",
            with(random(DataType.FLOAT, 23, -1, 1, 1031, 1021), 1_000_001, Double.NaN)));
    cases.add(new Case("large double", random(DataType.DOUBLE, 24, -1, 1, 2049, 513)));
    // Half precision (mixed-precision training): never read on the host, always the ND4J ops. The
    // sums and norms of these exceed what a half can hold (65504).
    for (DataType half : new DataType[] {DataType.HALF, DataType.BFLOAT16}) {
      cases.add(new Case("half", random(half, 25, -1, 3, 64, 33)));
      cases.add(new Case("half, large norm", random(half, 26, 200, 300, 128, 64)));
      cases.add(new Case("half with NaN", with(random(half, 27, -1, 1, 8, 5), 11, Double.NaN)));
    }
    return cases;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tensors")
  void shouldSummarizeTheSameOnBothPaths(Case c) {
    Reference expected = Reference.of(c.x());
    for (boolean withRowSums : new boolean[] {false, true}) {
      Stats viaNd4j = nd4j.summarize(c.x(), withRowSums);
      Stats viaHost = host.summarize(c.x(), withRowSums);

      SoftAssertions softly = new SoftAssertions();
      check(softly, "nd4j", viaNd4j, expected, withRowSums && c.x().rank() == 2);
      check(softly, "host", viaHost, expected, withRowSums && c.x().rank() == 2);
      softly.assertAll();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tensors")
  void shouldComputeTheSameSumOfSquaresOnBothPaths(Case c) {
    double expected = 0;
    for (double v : Reference.values(c.x())) {
      expected += v * v;
    }
    double viaSummarizer = nd4j.sumOfSquares(c.x());
    double viaCopy = nd4j.sumOfSquares(c.x().dup('c'));
    DataType type = c.x().dataType();
    double tolerance = type == DataType.HALF || type == DataType.BFLOAT16 ? 1e-2 : 1e-5;

    assertClose("sum of squares", viaSummarizer, expected, tolerance);
    assertClose("sum of squares of the copy", viaCopy, expected, tolerance);
    assertClose("l2 norm", nd4j.l2Norm(c.x()), Math.sqrt(expected), tolerance);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tensors")
  void shouldPredictTheSameClassesOnBothPaths(Case c) {
    if (c.x().rank() != 2) {
      return;
    }
    Predictions viaNd4j = nd4j.predictions(c.x());
    Predictions viaHost = host.predictions(c.x());
    Predictions expected = Reference.predictions(c.x());

    assertThat(viaHost).as("host").isEqualTo(expected);
    assertThat(viaNd4j).as("nd4j").isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tensors")
  void shouldSummarizeIntegerTensorsAsTheirFloatValues(Case c) {
    if (c.x().dataType() != DataType.FLOAT
        || c.x().length() > 100_000
        || !c.name().equals("image batch")) {
      return;
    }
    INDArray ints = c.x().castTo(DataType.INT32);
    Stats viaNd4j = nd4j.summarize(ints, false);
    Stats asFloat = host.summarize(ints.castTo(DataType.FLOAT), false);

    SoftAssertions softly = new SoftAssertions();
    check(softly, "int32", viaNd4j, Reference.of(ints), false);
    softly.assertThat(viaNd4j.count()).isEqualTo(asFloat.count());
    softly.assertAll();
  }

  private static void check(
      SoftAssertions softly, String path, Stats s, Reference r, boolean withRowSums) {
    softly.assertThat(s.count()).as(path + " count").isEqualTo(r.count);
    softly.assertThat(s.nonfinite()).as(path + " nonfinite").isEqualTo(r.nonfinite);
    softly
        .assertThat(close(s.min(), r.min, 1e-6))
        .as(path + " min %s vs %s", s.min(), r.min)
        .isTrue();
    softly
        .assertThat(close(s.max(), r.max, 1e-6))
        .as(path + " max %s vs %s", s.max(), r.max)
        .isTrue();
    softly
        .assertThat(close(s.mean(), r.mean, r.meanTolerance))
        .as(path + " mean %s vs %s", s.mean(), r.mean)
        .isTrue();
    softly
        .assertThat(close(s.std(), r.std, r.stdTolerance))
        .as(path + " std %s vs %s", s.std(), r.std)
        .isTrue();
    if (withRowSums) {
      softly
          .assertThat(close(s.rowSumMean(), r.rowSumMean, r.rowSumTolerance))
          .as(path + " row sum mean %s vs %s", s.rowSumMean(), r.rowSumMean)
          .isTrue();
      softly
          .assertThat(close(s.rowSumStd(), r.rowSumStd, r.rowSumTolerance))
          .as(path + " row sum std %s vs %s", s.rowSumStd(), r.rowSumStd)
          .isTrue();
    } else {
      softly.assertThat(s.rowSumMean()).as(path + " row sum mean").isNull();
      softly.assertThat(s.rowSumStd()).as(path + " row sum std").isNull();
    }
  }

  /**
   * NaN equals NaN, an infinity itself; finite values within a relative (or tiny absolute) error.
   */
  private static boolean close(Double actual, double expected, double relative) {
    if (actual == null) {
      return false;
    }
    if (Double.isNaN(expected) || Double.isInfinite(expected)) {
      return actual.equals(expected);
    }
    double scale = Math.max(Math.abs(expected), Double.MIN_NORMAL);
    return Math.abs(actual - expected) <= relative * scale + 1e-300;
  }

  private static void assertClose(String what, double actual, double expected, double relative) {
    assertThat(close(actual, expected, relative))
        .as("%s: %s vs %s", what, actual, expected)
        .isTrue();
  }

  /** The statistics computed in double from the tensor's elements, in logical (row-major) order. */
  private record Reference(
      long count,
      long nonfinite,
      double min,
      double max,
      double mean,
      double std,
      double rowSumMean,
      double rowSumStd,
      double meanTolerance,
      double stdTolerance,
      double rowSumTolerance) {

    static double[] values(INDArray x) {
      return x.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    static Reference of(INDArray x) {
      double[] v = values(x);
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      double sum = 0;
      double absSum = 0;
      long nonfinite = 0;
      for (double d : v) {
        if (d < min) {
          min = d;
        }
        if (d > max) {
          max = d;
        }
        if (!Double.isFinite(d)) {
          nonfinite++;
        }
        sum += d;
        absSum += Math.abs(d);
      }
      if (min > max) {
        min = Double.NaN;
        max = Double.NaN;
      }
      double mean = sum / v.length;
      double std = Double.NaN;
      if (nonfinite == 0) {
        double ss = 0;
        for (double d : v) {
          ss += (d - mean) * (d - mean);
        }
        std = Math.sqrt(ss / v.length);
      }
      double rowSumMean = Double.NaN;
      double rowSumStd = Double.NaN;
      if (x.rank() == 2) {
        int rows = (int) x.size(0);
        int cols = (int) x.size(1);
        double[] sums = new double[rows];
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < cols; c++) {
            sums[r] += v[r * cols + c];
          }
        }
        double total = 0;
        for (double s : sums) {
          total += s;
        }
        rowSumMean = total / rows;
        double ss = 0;
        for (double s : sums) {
          ss += (s - rowSumMean) * (s - rowSumMean);
        }
        rowSumStd = Math.sqrt(ss / rows);
      }
      // Float accumulation over n elements: the mean may be off by about n * eps of the mean
      // absolute value; the tolerances are relative to the value compared.
      DataType type = x.dataType();
      boolean isHalf = type == DataType.HALF || type == DataType.BFLOAT16;
      boolean isFloat = type == DataType.FLOAT || type == DataType.INT32;
      double eps = isHalf ? 1e-3 : isFloat ? 1e-6 : 1e-12;
      double meanTolerance =
          Math.abs(mean) > 0 ? 100 * eps * Math.max(1, absSum / v.length / Math.abs(mean)) : eps;
      return new Reference(
          v.length,
          nonfinite,
          min,
          max,
          mean,
          std,
          rowSumMean,
          rowSumStd,
          Math.max(meanTolerance, isHalf ? 1e-2 : isFloat ? 1e-5 : 1e-10),
          isHalf ? 3e-2 : isFloat ? 1e-3 : 1e-9,
          isHalf ? 3e-2 : isFloat ? 1e-3 : 1e-9);
    }

    /** Argmax per row as ND4J defines it: the first maximum, NaN never greater. */
    static Predictions predictions(INDArray x) {
      if (x.size(1) < 2 || x.size(0) < 1) {
        return null;
      }
      int rows = (int) x.size(0);
      int classes = (int) x.size(1);
      double[] v = values(x);
      int[] counts = new int[classes];
      for (int r = 0; r < rows; r++) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
          double candidate = v[r * classes + c];
          double current = v[r * classes + best];
          if (candidate > current || Double.isNaN(current) && !Double.isNaN(candidate)) {
            best = c;
          }
        }
        counts[best]++;
      }
      return PredictionSpread.of(counts, rows);
    }
  }

  private static INDArray random(DataType type, long seed, double lo, double hi, long... shape) {
    SplittableRandom random = new SplittableRandom(seed);
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    double[] values = new double[(int) n];
    for (int i = 0; i < values.length; i++) {
      values[i] = lo + (hi - lo) * random.nextDouble();
    }
    return Nd4j.create(values, shape, 'c').castTo(type);
  }

  /** {@code x} with its element at flat (row-major) index {@code i} set to {@code value}. */
  private static INDArray with(INDArray x, long i, double value) {
    INDArray flat = x.reshape(x.length());
    flat.putScalar(i, value);
    return x;
  }
}
