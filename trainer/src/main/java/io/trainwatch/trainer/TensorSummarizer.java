package io.trainwatch.trainer;

import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Stats;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.indexaccum.custom.ArgMax;
import org.nd4j.linalg.api.ops.impl.reduce.Moments;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Norm2;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.reduce.same.Min;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Summarizes tensors cheaply. On the CPU backend a small float or double tensor (up to {@link
 * #MAX_HOST_ELEMENTS}) is read in place by a Java loop: an ND4J op costs 10-40 microseconds to
 * build and, on a machine whose cores are busy training, milliseconds to wake its thread pool, far
 * more than a few thousand elements take. Larger tensors, and any on another backend, stay where
 * they live (CPU or GPU) and only scalars and batch-sized vectors come back; there the per-call
 * cost of an op still dominates, so this class keeps the calls few and cheap:
 *
 * <ul>
 *   <li>min and max are two reduction ops built once per data type and reused ({@code setX}), into
 *       scalar outputs allocated once;
 *   <li>mean and variance come from BLAS: {@code dot(x, 1)} and {@code nrm2(x)}, a microsecond
 *       each, when {@code x} is a contiguous float or double tensor. {@code E[x^2] - E[x]^2} loses
 *       precision when the mean dwarfs the spread, so then (and for other tensors) the two-pass
 *       {@code moments} op recomputes them;
 *   <li>the non-finite count costs an op only when the sum is not finite: one NaN or infinity makes
 *       it so, so a finite sum proves every element finite;
 *   <li>row sums and argmax are one op each into reused outputs, plus a copy of a batch-sized
 *       vector.
 * </ul>
 *
 * <p>Not thread-safe: one instance per training thread.
 */
final class TensorSummarizer {

  /**
   * Above this ratio of squared mean to variance, {@code E[x^2] - E[x]^2} in float accumulation has
   * lost more than a few significant digits of the variance; the stable op takes over.
   */
  private static final double ILL_CONDITIONED = 1e3;

  /**
   * Tensors up to this size are summarized by a Java loop when they are in host memory; see
   * readableOnHost.
   */
  static final long MAX_HOST_ELEMENTS = 1 << 20;

  /**
   * Sums of squares between these are trusted from {@code dot(x, x)}: far from float's overflow
   * (3e38) and from the range where squares of small elements underflow to zero (below 1e-38) and
   * bias the norm.
   */
  private static final double SAFE_SQUARE_MIN = 1e-20;

  private static final double SAFE_SQUARE_MAX = 1e30;

  private static final boolean ON_CPU = Nd4j.getEnvironment().isCPU();

  /** Ops and outputs reused for one data type: reductions need outputs of their input's type. */
  private static final class Reducers {
    final INDArray min;
    final INDArray max;
    final INDArray mean;
    final INDArray variance;
    final INDArray norm;
    final Min minOp;
    final Max maxOp;

    Reducers(DataType type) {
      min = Nd4j.scalar(type, 0);
      max = Nd4j.scalar(type, 0);
      mean = Nd4j.scalar(type, 0);
      variance = Nd4j.scalar(type, 0);
      norm = Nd4j.scalar(type, 0);
      minOp = new Min(min, min);
      maxOp = new Max(max, max);
    }
  }

  private final Map<DataType, Reducers> reducers = new EnumMap<>(DataType.class);
  private INDArray ones;
  private INDArray rowSums;
  private Sum rowSumOp;
  private INDArray argMax;
  private ArgMax argMaxOp;
  private int[] classCounts = new int[0];
  private final long maxHostElements;

  /** Small host-memory tensors read by a Java loop, the rest by ND4J ops. */
  TensorSummarizer() {
    this(MAX_HOST_ELEMENTS);
  }

  /**
   * Tensors up to {@code maxHostElements} read by a Java loop when they are in host memory; 0 sends
   * every tensor through the ND4J ops, the path taken on a GPU (the tests compare the two).
   */
  TensorSummarizer(long maxHostElements) {
    this.maxHostElements = maxHostElements;
  }

  /** Statistics of every element of {@code x}. */
  Stats summarize(INDArray x) {
    return summarize(x, false);
  }

  /**
   * Statistics of every element of {@code x}; for a [batch, features] matrix with {@code
   * withRowSums}, also the mean and standard deviation of its per-row sums (about 1 and 0 for
   * softmax outputs).
   */
  Stats summarize(INDArray x, boolean withRowSums) {
    long count = x.length();
    if (count == 0) {
      return Stats.of(0, 0, 0, 0, 0, 0);
    }
    if (readableOnHost(x, withRowSums)) {
      return hostStats(x, withRowSums);
    }
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      INDArray data = inFloatOrDouble(x);
      Reducers r = reducers.computeIfAbsent(data.dataType(), Reducers::new);
      r.minOp.setX(data);
      Nd4j.getExecutioner().exec(r.minOp);
      r.maxOp.setX(data);
      Nd4j.getExecutioner().exec(r.maxOp);

      Double rowSumMean = null;
      Double rowSumStd = null;
      double sum = Double.NaN;
      if (withRowSums && data.rank() == 2) {
        double[] sums = rowSums(data);
        double total = 0;
        for (double v : sums) {
          total += v;
        }
        double m = total / sums.length;
        double ss = 0;
        for (double v : sums) {
          ss += (v - m) * (v - m);
        }
        rowSumMean = m;
        rowSumStd = Math.sqrt(ss / sums.length);
        sum = total;
      }
      INDArray flat = blasVector(data);
      double mean;
      double variance;
      if (flat != null) {
        if (Double.isNaN(sum)) {
          sum = Nd4j.getBlasWrapper().dot(flat, ones(flat.dataType(), count));
        }
        double norm = Nd4j.getBlasWrapper().nrm2(flat);
        mean = sum / count;
        variance = norm * norm / count - mean * mean;
        if (Double.isFinite(mean)
            && !(variance >= 0 && mean * mean <= ILL_CONDITIONED * variance)) {
          double[] stable = moments(data, r);
          mean = stable[0];
          variance = stable[1];
        }
      } else {
        double[] stable = moments(data, r);
        mean = stable[0];
        variance = stable[1];
        sum = mean;
      }
      long nonfinite = Double.isFinite(sum) ? 0 : countNonFinite(data);
      double min = r.min.getDouble(0);
      double max = r.max.getDouble(0);
      if (min > max) {
        // The reductions skip NaN: every element NaN leaves their identities (+inf, -inf).
        min = Double.NaN;
        max = Double.NaN;
      }
      return new Stats(
          min,
          max,
          mean,
          Math.sqrt(Math.max(0, variance)),
          nonfinite,
          count,
          rowSumMean,
          rowSumStd);
    }
  }

  /**
   * Statistics of at most about {@code maxElements} elements of {@code x}: whole rows (examples) of
   * its first dimension, a window that moves with {@code rotation} so every row is covered over
   * successive calls. All of {@code x} when it is small enough or has a single row; {@link
   * Stats#count()} says how many were summarized.
   */
  Stats summarizeRows(INDArray x, long maxElements, long rotation) {
    long rows = x.rank() == 0 ? 1 : x.size(0);
    long perRow = rows == 0 ? 0 : x.length() / rows;
    if (x.length() <= maxElements || rows <= 1 || perRow == 0) {
      return summarize(x, false);
    }
    long take = Math.max(1, maxElements / perRow);
    long start = Math.floorMod(rotation * take, rows - take + 1);
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      return summarize(x.get(NDArrayIndex.interval(start, start + take)), false);
    }
  }

  /**
   * How the argmax over classes spreads over the rows of a [batch, classes] output, or {@code null}
   * for other shapes or fewer than two classes. On the ND4J path this costs an op to learn whether
   * the output holds a NaN; {@link #predictions(INDArray, Stats)} takes that from its statistics.
   */
  Predictions predictions(INDArray output) {
    return predictions(output, null);
  }

  /**
   * {@link #predictions(INDArray)}, given {@code outputStats}, the output's statistics from {@link
   * #summarize} (or {@code null} when unknown).
   *
   * <p>The argmax of a row is its first maximum, and a NaN is never greater than anything (a row of
   * NaN predicts class 0). ND4J's argmax op agrees except for a NaN in a row's first column, which
   * it keeps as the maximum; so an output with a non-finite element (a broken run) is read by the
   * Java loop from a host copy, on every backend.
   */
  Predictions predictions(INDArray output, Stats outputStats) {
    if (output.rank() != 2 || output.size(1) < 2 || output.size(0) < 1) {
      return null;
    }
    int classes = (int) output.size(1);
    int rows = (int) output.size(0);
    if (readableOnHost(output, true)) {
      return hostPredictions(HostMatrix.of(output, true), rows, classes);
    }
    long[] predicted;
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      boolean finite =
          outputStats != null
              ? outputStats.nonfinite() == 0
              : countNonFinite(inFloatOrDouble(output)) == 0;
      if (!finite) {
        return hostPredictions(
            HostMatrix.of(output.castTo(DataType.DOUBLE).dup('c'), true), rows, classes);
      }
      if (argMax == null || argMax.length() != rows) {
        argMax = Nd4j.create(DataType.INT64, rows);
        argMaxOp = new ArgMax(new INDArray[] {output}, new INDArray[] {argMax}, false, 1);
      } else {
        argMaxOp.setInputArgument(0, output);
      }
      Nd4j.getExecutioner().exec(argMaxOp);
      predicted = argMax.data().asLong();
    }
    if (classCounts.length != classes) {
      classCounts = new int[classes];
    } else {
      Arrays.fill(classCounts, 0);
    }
    for (long c : predicted) {
      if (c >= 0 && c < classes) {
        classCounts[(int) c]++;
      }
    }
    return PredictionSpread.of(classCounts, rows);
  }

  /**
   * Whether {@code x} is small, float or double, in host memory (CPU backend) and laid out so a
   * Java loop can read it in place: contiguous, or (for row-wise work) a strided matrix. Then a
   * single pass in Java beats the ND4J ops: each op costs far more to build and dispatch to the
   * native thread pool than summarizing a few thousand elements, and on a busy machine the wake-up
   * of that pool's threads alone takes milliseconds.
   */
  private boolean readableOnHost(INDArray x, boolean rowWise) {
    DataType type = x.dataType();
    if (!ON_CPU
        || (type != DataType.FLOAT && type != DataType.DOUBLE)
        || x.length() > maxHostElements) {
      return false;
    }
    return rowWise && x.rank() == 2 || x.elementWiseStride() == 1;
  }

  /**
   * {@link #summarize} in one Java pass over host memory (plus one for the deviations: exact for
   * any mean).
   */
  private static Stats hostStats(INDArray x, boolean withRowSums) {
    HostMatrix m = HostMatrix.of(x, withRowSums);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    long nonfinite = 0;
    double rowTotal = 0;
    for (long r = 0; r < m.rows; r++) {
      double rowSum = 0;
      for (long c = 0; c < m.columns; c++) {
        double v = m.get(r, c);
        // Comparisons skip NaN: min and max are those of the other elements.
        if (v < min) {
          min = v;
        }
        if (v > max) {
          max = v;
        }
        if (!Double.isFinite(v)) {
          nonfinite++;
        }
        rowSum += v;
      }
      sum += rowSum;
      rowTotal += rowSum;
    }
    long count = m.rows * m.columns;
    double mean = sum / count;
    double variance = Double.NaN;
    if (nonfinite == 0) {
      double deviations = 0;
      for (long r = 0; r < m.rows; r++) {
        for (long c = 0; c < m.columns; c++) {
          double d = m.get(r, c) - mean;
          deviations += d * d;
        }
      }
      variance = deviations / count;
    }
    Double rowSumMean = null;
    Double rowSumStd = null;
    if (withRowSums && x.rank() == 2) {
      rowSumMean = rowTotal / m.rows;
      // Row sums of a softmax output are all about 1: their spread is tiny next to their mean, so
      // take it around the
      // mean in a second pass rather than from E[s^2] - E[s]^2.
      double rowDeviations = 0;
      for (long r = 0; r < m.rows; r++) {
        double rowSum = 0;
        for (long c = 0; c < m.columns; c++) {
          rowSum += m.get(r, c);
        }
        double d = rowSum - rowSumMean;
        rowDeviations += d * d;
      }
      rowSumStd = Math.sqrt(rowDeviations / m.rows);
    }
    if (min > max) {
      // Every element NaN.
      min = Double.NaN;
      max = Double.NaN;
    }
    return new Stats(
        min, max, mean, Math.sqrt(Math.max(0, variance)), nonfinite, count, rowSumMean, rowSumStd);
  }

  private Predictions hostPredictions(HostMatrix m, int rows, int classes) {
    if (classCounts.length != classes) {
      classCounts = new int[classes];
    } else {
      Arrays.fill(classCounts, 0);
    }
    for (long r = 0; r < rows; r++) {
      int best = 0;
      double bestValue = m.get(r, 0);
      for (int c = 1; c < classes; c++) {
        double v = m.get(r, c);
        // The first maximum wins; NaN is never greater (see predictions).
        if (v > bestValue || Double.isNaN(bestValue) && !Double.isNaN(v)) {
          best = c;
          bestValue = v;
        }
      }
      classCounts[best]++;
    }
    return PredictionSpread.of(classCounts, rows);
  }

  /**
   * Reads a host-memory tensor as [rows, columns]: a rank-2 one by its strides, any other as one
   * contiguous row.
   */
  private static final class HostMatrix {
    private final DataBuffer data;
    private final boolean isFloat;
    private final long rows;
    private final long columns;
    private final long rowStride;
    private final long columnStride;

    private HostMatrix(INDArray x, long rows, long columns, long rowStride, long columnStride) {
      this.data = x.data();
      this.isFloat = x.dataType() == DataType.FLOAT;
      this.rows = rows;
      this.columns = columns;
      this.rowStride = rowStride;
      this.columnStride = columnStride;
    }

    static HostMatrix of(INDArray x, boolean rowWise) {
      if (rowWise && x.rank() == 2) {
        return new HostMatrix(x, x.size(0), x.size(1), x.stride(0), x.stride(1));
      }
      return new HostMatrix(x, 1, x.length(), 0, 1);
    }

    double get(long row, long column) {
      // A view's data() already starts at the view's offset.
      long i = row * rowStride + column * columnStride;
      return isFloat ? data.getFloat(i) : data.getDouble(i);
    }
  }

  /**
   * The L2 norm of every element of {@code x} (e.g. the whole flattened gradient); BLAS when it
   * can.
   */
  double l2Norm(INDArray x) {
    return Math.sqrt(sumOfSquares(x));
  }

  /**
   * The sum of the squares of every element of {@code x}, exact enough to add up slices of one
   * tensor (in double; NaN or infinite if an element is); BLAS when it can.
   */
  double sumOfSquares(INDArray x) {
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      INDArray flat = blasVector(x);
      if (flat != null) {
        // dot(x, x) is a vectorized kernel, several times faster than nrm2, which scales every
        // element as it goes so the square cannot overflow or underflow. Take nrm2 only when the
        // square left the safe range (or x holds a non-finite element): it then gives the exact
        // norm, or the NaN or infinity.
        double squares = Nd4j.getBlasWrapper().dot(flat, flat);
        if (squares >= SAFE_SQUARE_MIN && squares <= SAFE_SQUARE_MAX
            || squares == 0 && x.length() == 0) {
          return squares;
        }
        double norm = Nd4j.getBlasWrapper().nrm2(flat);
        return norm * norm;
      }
      INDArray data = inFloatOrDouble(x);
      if (data != x) {
        return sumOfSquares(data);
      }
      Reducers r = reducers.computeIfAbsent(data.dataType(), Reducers::new);
      Nd4j.getExecutioner().exec(new Norm2(data, r.norm));
      double norm = r.norm.getDouble(0);
      return norm * norm;
    }
  }

  /**
   * {@code x} as a flat vector view BLAS can read, or {@code null} if it is not a contiguous float
   * or double array. Sums and norms do not care about element order, so a contiguous array of
   * either order will do (DL4J keeps its flattened gradients in 'f' order).
   */
  private static INDArray blasVector(INDArray x) {
    DataType type = x.dataType();
    if ((type != DataType.FLOAT && type != DataType.DOUBLE) || x.elementWiseStride() != 1) {
      return null;
    }
    return x.rank() == 1 ? x : x.reshape(x.ordering(), new long[] {x.length()});
  }

  /**
   * {@code x} itself if it holds floats or doubles, else a float copy: the reductions accumulate in
   * their input's type, and half precision (65504 at most, 3 significant digits; bfloat16 fewer)
   * overflows or stops growing long before a sum over a tensor is done; integers have no NaN.
   */
  private static INDArray inFloatOrDouble(INDArray x) {
    DataType type = x.dataType();
    return type == DataType.FLOAT || type == DataType.DOUBLE ? x : x.castTo(DataType.FLOAT);
  }

  private INDArray ones(DataType type, long length) {
    if (ones == null || ones.length() != length || ones.dataType() != type) {
      ones = Nd4j.ones(type, length);
    }
    return ones;
  }

  private static double[] moments(INDArray x, Reducers r) {
    Nd4j.getExecutioner().exec(new Moments(x, r.mean, r.variance));
    return new double[] {r.mean.getDouble(0), r.variance.getDouble(0)};
  }

  private double[] rowSums(INDArray x) {
    int rows = (int) x.size(0);
    if (rowSums == null || rowSums.length() != rows || rowSums.dataType() != x.dataType()) {
      rowSums = Nd4j.create(x.dataType(), rows);
      rowSumOp = new Sum(x, rowSums, 1);
    } else {
      rowSumOp.setX(x);
    }
    Nd4j.getExecutioner().exec(rowSumOp);
    if (rowSums.dataType() == DataType.FLOAT) {
      // A bulk copy; asDouble() on a float buffer converts element by element.
      float[] f = rowSums.data().asFloat();
      double[] d = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        d[i] = f[i];
      }
      return d;
    }
    return rowSums.data().asDouble();
  }

  private static long countNonFinite(INDArray x) {
    return Nd4j.getExecutioner().exec(new MatchCondition(x, Conditions.notFinite())).getLong(0);
  }
}
