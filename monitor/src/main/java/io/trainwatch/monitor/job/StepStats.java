package io.trainwatch.monitor.job;

import java.util.Arrays;

/**
 * What the ranks of a job reported for one step: how many reported, and the values of at most
 * {@link #MAX_SAMPLES} of them (the first to arrive). The median of a sample of 64 is as good a
 * reference as the median of 16,384, so the record stays small whatever the job's size. Mutable;
 * the processor stores it back after each change.
 */
public final class StepStats {

  /** Most ranks whose values are kept for one step. */
  public static final int MAX_SAMPLES = 64;

  private int count;
  private int size;
  private final int[] ranks = new int[MAX_SAMPLES];
  private final float[] work = new float[MAX_SAMPLES];
  private final float[] compute = new float[MAX_SAMPLES];
  private final float[] data = new float[MAX_SAMPLES];
  private final float[] loss = new float[MAX_SAMPLES];
  private final float[] grad = new float[MAX_SAMPLES];

  /** Ranks that reported this step (also those beyond the sample). */
  public int count() {
    return count;
  }

  /** Ranks whose values are kept. */
  public int size() {
    return size;
  }

  /** Adds a rank's report; a rank reporting the same step again replaces its values. */
  public void add(int rank, RankSample s) {
    for (int i = 0; i < size; i++) {
      if (ranks[i] == rank) {
        set(i, rank, s);
        return;
      }
    }
    count++;
    if (size < MAX_SAMPLES) {
      set(size++, rank, s);
    }
  }

  private void set(int i, int rank, RankSample s) {
    ranks[i] = rank;
    work[i] = s.work();
    compute[i] = s.computeMs();
    data[i] = s.dataMs();
    loss[i] = s.loss();
    grad[i] = s.gradNorm();
  }

  /** Restores a record (codec). */
  static StepStats restore(
      int count, int[] r, float[] w, float[] c, float[] d, float[] l, float[] g, int size) {
    StepStats s = new StepStats();
    s.count = count;
    s.size = size;
    System.arraycopy(r, 0, s.ranks, 0, size);
    System.arraycopy(w, 0, s.work, 0, size);
    System.arraycopy(c, 0, s.compute, 0, size);
    System.arraycopy(d, 0, s.data, 0, size);
    System.arraycopy(l, 0, s.loss, 0, size);
    System.arraycopy(g, 0, s.grad, 0, size);
    return s;
  }

  int rankAt(int i) {
    return ranks[i];
  }

  float workAt(int i) {
    return work[i];
  }

  float computeAt(int i) {
    return compute[i];
  }

  float dataAt(int i) {
    return data[i];
  }

  float lossAt(int i) {
    return loss[i];
  }

  float gradAt(int i) {
    return grad[i];
  }

  /** The finite values of one column, without {@code exceptRank}'s, sorted. */
  double[] peers(float[] column, int exceptRank, boolean log) {
    double[] out = new double[size];
    int n = 0;
    for (int i = 0; i < size; i++) {
      float v = column[i];
      if (ranks[i] == exceptRank || !Float.isFinite(v) || (log && v <= 0)) {
        continue;
      }
      out[n++] = log ? Math.log(v) : v;
    }
    double[] sorted = Arrays.copyOf(out, n);
    Arrays.sort(sorted);
    return sorted;
  }

  float[] workColumn() {
    return work;
  }

  float[] computeColumn() {
    return compute;
  }

  float[] dataColumn() {
    return data;
  }

  float[] lossColumn() {
    return loss;
  }

  float[] gradColumn() {
    return grad;
  }

  /** Sampled ranks other than {@code exceptRank}. */
  int others(int exceptRank) {
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (ranks[i] != exceptRank) {
        n++;
      }
    }
    return n;
  }
}
