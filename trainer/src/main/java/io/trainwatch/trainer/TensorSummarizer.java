package io.trainwatch.trainer;

import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Stats;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.api.ops.impl.indexaccum.custom.ArgMax;
import org.nd4j.linalg.api.ops.impl.reduce.Moments;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Norm2;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.reduce.same.Min;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Summarizes tensors where they live (CPU or GPU) with as few ND4J ops as possible; only scalars and
 * batch-sized vectors come back to the host.
 *
 * <p>Per tensor: one {@code moments} op (mean and variance), one min, one max. The non-finite count costs an op only
 * when the mean is not finite: a finite mean proves every element finite, since one NaN or infinity makes the sum
 * non-finite. Row sums and argmax are one op each plus a copy of a batch-sized vector. The ops write into output
 * arrays allocated once, so a summary allocates no device memory after the first batch.
 *
 * <p>Not thread-safe: one instance per training thread.
 */
final class TensorSummarizer {

  /** Reused scalar outputs for one data type: ops need outputs of their input's type. */
  private record Scalars(INDArray mean, INDArray variance, INDArray min, INDArray max, INDArray norm) {}

  private final Map<DataType, Scalars> scalars = new EnumMap<>(DataType.class);
  private INDArray rowSums;
  private INDArray argMax;
  private int[] classCounts = new int[0];

  /** Statistics of every element of {@code x}. */
  Stats summarize(INDArray x) {
    return summarize(x, false);
  }

  /**
   * Statistics of every element of {@code x}; for a [batch, features] matrix with {@code withRowSums}, also the mean
   * and standard deviation of its per-row sums (about 1 and 0 for softmax outputs).
   */
  Stats summarize(INDArray x, boolean withRowSums) {
    long count = x.length();
    if (count == 0) {
      return Stats.of(0, 0, 0, 0, 0, 0);
    }
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      INDArray data = x.dataType().isFPType() ? x : x.castTo(DataType.FLOAT);
      Scalars s = scalarsFor(data.dataType());
      OpExecutioner exec = Nd4j.getExecutioner();
      exec.exec(new Moments(data, s.mean(), s.variance()));
      exec.exec(new Min(data, s.min()));
      exec.exec(new Max(data, s.max()));
      double mean = s.mean().getDouble(0);
      double std = Math.sqrt(Math.max(0, s.variance().getDouble(0)));
      long nonfinite = Double.isFinite(mean) ? 0 : countNonFinite(data);
      Double rowSumMean = null;
      Double rowSumStd = null;
      if (withRowSums && data.rank() == 2) {
        double[] sums = rowSums(data);
        double m = 0;
        for (double v : sums) {
          m += v;
        }
        m /= sums.length;
        double ss = 0;
        for (double v : sums) {
          ss += (v - m) * (v - m);
        }
        rowSumMean = m;
        rowSumStd = Math.sqrt(ss / sums.length);
      }
      return new Stats(s.min().getDouble(0), s.max().getDouble(0), mean, std, nonfinite, count, rowSumMean,
          rowSumStd);
    }
  }

  /**
   * How the argmax over classes spreads over the rows of a [batch, classes] output, or {@code null} for other shapes
   * or fewer than two classes.
   */
  Predictions predictions(INDArray output) {
    if (output.rank() != 2 || output.size(1) < 2 || output.size(0) < 1) {
      return null;
    }
    int classes = (int) output.size(1);
    int rows = (int) output.size(0);
    long[] predicted;
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      if (argMax == null || argMax.length() != rows) {
        argMax = Nd4j.create(DataType.LONG, rows);
      }
      Nd4j.getExecutioner().exec(new ArgMax(new INDArray[] {output}, new INDArray[] {argMax}, false, 1));
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

  /** The L2 norm of every element of {@code x} (e.g. the whole flattened gradient). */
  double l2Norm(INDArray x) {
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      INDArray data = x.dataType().isFPType() ? x : x.castTo(DataType.FLOAT);
      Scalars s = scalarsFor(data.dataType());
      Nd4j.getExecutioner().exec(new Norm2(data, s.norm()));
      return s.norm().getDouble(0);
    }
  }

  private double[] rowSums(INDArray x) {
    int rows = (int) x.size(0);
    if (rowSums == null || rowSums.length() != rows || rowSums.dataType() != x.dataType()) {
      rowSums = Nd4j.create(x.dataType(), rows);
    }
    Nd4j.getExecutioner().exec(new Sum(x, rowSums, 1));
    return rowSums.data().asDouble();
  }

  private static long countNonFinite(INDArray x) {
    return Nd4j.getExecutioner().exec(new MatchCondition(x, Conditions.notFinite())).getLong(0);
  }

  private Scalars scalarsFor(DataType type) {
    return scalars.computeIfAbsent(type, t -> new Scalars(Nd4j.scalar(t, 0), Nd4j.scalar(t, 0), Nd4j.scalar(t, 0),
        Nd4j.scalar(t, 0), Nd4j.scalar(t, 0)));
  }
}
