package io.trainwatch.monitor.testing;

import io.trainwatch.monitor.job.RankSample;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.simulator.SynchronousJob;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Synthetic data-parallel jobs: what each rank of a synchronous job reports per step, with the
 * noise of real fleets and, optionally, one injected {@link JobFault} of the simulator's one list
 * ({@link RankFault}), as {@link RankSample}s. Deterministic for a seed. The ranks are the
 * simulator's one job model ({@link SynchronousJob}) drawing in sequence from the job's generator;
 * this class adds the drift, the checkpoints and the arrival order.
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

  /** One rank's report and when it arrives (processing time). */
  public record Report(int rank, RankSample sample, long wallMs) {}

  /** A job to simulate. */
  public record Job(String name, int world, int steps, long seed, JobFault fault) {}

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
    SynchronousJob.Noise noise = SynchronousJob.Noise.of(rnd);
    double[] offset = new double[job.world()];
    for (int r = 0; r < offset.length; r++) {
      offset[r] = SynchronousJob.deviceOffset(rnd.nextGaussian() * 0.007);
    }
    SynchronousJob ranks = new SynchronousJob(job.world(), job.fault());
    List<Report> out = new ArrayList<>();
    long wall = wallStartMs;
    long ts = 1_700_000_000_000L;
    for (int step = 0; step < job.steps(); step++) {
      double drift = 1 + 0.02 * Math.sin(2 * Math.PI * step / 1000.0 + job.seed() % 7);
      boolean checkpoint = step > 0 && step % 100 == 0;
      double loss = 2.0 * Math.exp(-step / 500.0) + 0.3;
      double grad = 1.0 * (1 + 0.1 * rnd.nextGaussian());
      double slowest =
          ranks.time(
              step, noise, r -> COMPUTE_MS * drift * (1 + offset[r]), DATA_MS, checkpoint ? 5 : 1);
      double stepMs = slowest + 5; // + all-reduce
      wall += (long) stepMs;
      ts += (long) stepMs;
      List<Integer> order = new ArrayList<>();
      for (int r = 0; r < job.world(); r++) {
        order.add(r);
      }
      Collections.shuffle(order, rnd);
      for (int r : order) {
        if (!ranks.reports(r, step)) {
          continue;
        }
        double l = ranks.loss(r, step, loss * (1 + 0.05 * rnd.nextGaussian()));
        RankSample s =
            RankSample.of(
                step,
                ts + rnd.nextInt(5),
                stepMs,
                ranks.dataMs(r),
                ranks.computeMs(r),
                l,
                ranks.gradNorm(step, grad));
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

  /**
   * The same reports as {@code partitions} partitions (rank % partitions) processed at drifting
   * speeds: each partition lags the fastest by 0 to {@code maxLag} steps, its lag a random walk, as
   * a monitor's stream thread that polls some partitions ahead of others under load.
   */
  public static List<Report> partitionsDrifting(
      List<Report> reports, int partitions, int maxLag, long seed) {
    Random rnd = new Random(seed);
    List<java.util.ArrayDeque<Report>> queues = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      queues.add(new java.util.ArrayDeque<>());
    }
    long lastStep = 0;
    for (Report r : reports) {
      queues.get(r.rank() % partitions).add(r);
      lastStep = Math.max(lastStep, r.sample().step());
    }
    int[] lag = new int[partitions];
    List<Report> out = new ArrayList<>(reports.size());
    long wall = reports.isEmpty() ? 0 : reports.get(0).wallMs();
    for (long t = 0; t <= lastStep + maxLag; t++) {
      for (int p = 0; p < partitions; p++) {
        lag[p] = Math.max(0, Math.min(maxLag, lag[p] + rnd.nextInt(5) - 2));
        java.util.ArrayDeque<Report> q = queues.get(p);
        while (!q.isEmpty() && (q.peek().sample().step() <= t - lag[p] || t > lastStep)) {
          Report r = q.poll();
          wall = Math.max(wall, r.wallMs());
          out.add(new Report(r.rank(), r.sample(), wall));
        }
      }
    }
    return out;
  }
}
