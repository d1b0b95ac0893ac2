package io.trainwatch.monitor.testing;

import io.trainwatch.monitor.job.RankSample;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Synthetic data-parallel jobs: what each rank of a synchronous job reports per step, with the
 * noise of real fleets and, optionally, one injected fault. Deterministic for a seed.
 *
 * <p>Healthy behaviour: every rank computes about {@link #COMPUTE_MS} ms per step with 3% jitter
 * per step and a persistent per-rank offset of up to +-1.5% (GPUs are not identical), waits about
 * {@link #DATA_MS} ms for data with 20% jitter and a 10x data-loader hiccup on 1% of steps; the
 * whole job drifts +-2% over a "day" (heat), and every 100 steps all ranks take a checkpoint pause
 * 5x as long. Step time is the slowest rank's work (synchronous all-reduce). Losses follow one
 * curve with 5% per-rank batch noise; gradient norms are identical across ranks (they are read
 * after all-reduce).
 */
public final class FleetSimulator {

  public static final double COMPUTE_MS = 100;
  public static final double DATA_MS = 10;

  /** An injected fault. */
  public enum FaultKind {
    NONE,
    /** The rank's compute is {@code factor} times slower from the onset. */
    SLOW_COMPUTE,
    /** The rank waits {@code factor} times longer for data from the onset. */
    SLOW_DATA,
    /** The rank alone reports a NaN loss at the onset; the NaN reaches every rank a step later. */
    NAN_RANK,
    /** The rank stops at the onset; the others report one more step and then block. */
    HANG
  }

  /** One fault. */
  public record Fault(FaultKind kind, int rank, long onset, double factor) {

    public static final Fault NONE = new Fault(FaultKind.NONE, -1, Long.MAX_VALUE, 1);
  }

  /** One rank's report and when it arrives (processing time). */
  public record Report(int rank, RankSample sample, long wallMs) {}

  /** A job to simulate. */
  public record Job(String name, int world, int steps, long seed, Fault fault) {}

  private FleetSimulator() {}

  /** The host of a rank: 8 ranks per host. */
  public static String host(String job, int rank) {
    return job + "-host-" + rank / 8;
  }

  /** The device of a rank. */
  public static String device(int rank) {
    return "cuda:" + rank % 8;
  }

  /**
   * What every rank reports, in arrival order: step by step, the ranks of a step in random order
   * (as partitions interleave), each step arriving when its slowest rank finished.
   */
  public static List<Report> reports(Job job, long wallStartMs) {
    Random rnd = new Random(job.seed());
    double[] offset = new double[job.world()];
    for (int r = 0; r < offset.length; r++) {
      offset[r] = Math.max(-0.015, Math.min(0.015, rnd.nextGaussian() * 0.007));
    }
    Fault f = job.fault();
    List<Report> out = new ArrayList<>();
    long wall = wallStartMs;
    long ts = 1_700_000_000_000L;
    for (int step = 0; step < job.steps(); step++) {
      double drift = 1 + 0.02 * Math.sin(2 * Math.PI * step / 1000.0 + job.seed() % 7);
      boolean checkpoint = step > 0 && step % 100 == 0;
      double loss = 2.0 * Math.exp(-step / 500.0) + 0.3;
      double grad = 1.0 * (1 + 0.1 * rnd.nextGaussian());
      double[] compute = new double[job.world()];
      double[] data = new double[job.world()];
      double slowest = 0;
      for (int r = 0; r < job.world(); r++) {
        double c = COMPUTE_MS * drift * (1 + offset[r]) * Math.exp(0.03 * rnd.nextGaussian());
        double d = DATA_MS * Math.exp(0.2 * rnd.nextGaussian());
        if (rnd.nextDouble() < 0.01) {
          d *= 10; // a data-loader hiccup
        }
        if (checkpoint) {
          c *= 5;
        }
        if (r == f.rank() && step >= f.onset()) {
          if (f.kind() == FaultKind.SLOW_COMPUTE) {
            c *= f.factor();
          } else if (f.kind() == FaultKind.SLOW_DATA) {
            d *= f.factor();
          }
        }
        compute[r] = c;
        data[r] = d;
        slowest = Math.max(slowest, c + d);
      }
      double stepMs = slowest + 5; // + all-reduce
      wall += (long) stepMs;
      ts += (long) stepMs;
      List<Integer> order = new ArrayList<>();
      for (int r = 0; r < job.world(); r++) {
        order.add(r);
      }
      Collections.shuffle(order, rnd);
      for (int r : order) {
        if (f.kind() == FaultKind.HANG && step >= f.onset() + (r == f.rank() ? 0 : 1)) {
          continue;
        }
        double l = loss * (1 + 0.05 * rnd.nextGaussian());
        if (f.kind() == FaultKind.NAN_RANK
            && step >= f.onset()
            && (r == f.rank() || step > f.onset())) {
          l = Double.NaN;
        }
        RankSample s =
            RankSample.of(
                step,
                ts + rnd.nextInt(5),
                stepMs,
                data[r],
                compute[r],
                l,
                f.kind() == FaultKind.NAN_RANK && step > f.onset() ? Double.NaN : grad);
        out.add(new Report(r, s, wall + rnd.nextInt(20)));
      }
    }
    return out;
  }

  /** The same reports, replayed rank after rank (as partitions processed far apart). */
  public static List<Report> rankByRank(List<Report> reports) {
    List<Report> out = new ArrayList<>(reports);
    out.sort(
        java.util.Comparator.comparingInt(Report::rank).thenComparingLong(r -> r.sample().step()));
    long wall = reports.isEmpty() ? 0 : reports.get(0).wallMs();
    List<Report> timed = new ArrayList<>(out.size());
    for (Report r : out) {
      timed.add(new Report(r.rank(), r.sample(), wall++));
    }
    return timed;
  }
}
