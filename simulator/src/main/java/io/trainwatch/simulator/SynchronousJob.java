package io.trainwatch.simulator;

import io.trainwatch.schemas.JobFault;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;

/**
 * The one model of a synchronous data-parallel job's ranks, shared by every job generator: {@link
 * SimulatedJob} (the benchmarks' fleets), {@link SimulatedFleet} (the evaluation's fleet) and the
 * monitor's test fleets. A job is {@code world} ranks of the same run in lockstep; what the
 * generators add around it (schedules, checkpoints, preemptions, drift, the batches' other parts)
 * is theirs.
 *
 * <p>Each step, each rank computes for its healthy time (the job's base x its device's persistent
 * offset, within {@link #MAX_DEVICE_OFFSET}) x {@link #COMPUTE_JITTER} log-normal jitter, and waits
 * for its batch {@code dataMs} x {@link #DATA_JITTER} log-normal jitter, ten times as long on
 * {@link #HICCUP_RATE} of steps (a data-loader hiccup); then its {@link JobFault} acts. The step
 * takes as long as its slowest rank (synchronous all-reduce). What a rank reports (loss, gradient
 * norm, whether it reports at all) goes through the same {@link JobFault}.
 *
 * <p>The random numbers come from a {@link Noise}, three a rank in rank order (compute, data,
 * hiccup): a generator that draws in sequence passes its {@link Random}, one that must answer any
 * step in any order a {@link SplittableRandom} seeded by the step. Not thread-safe.
 */
public final class SynchronousJob {

  /** Accelerators are not identical: a device's persistent offset stays within +-1.5%. */
  public static final double MAX_DEVICE_OFFSET = 0.015;

  /** A rank's compute time varies by 3% (log-normal sigma) from step to step. */
  public static final double COMPUTE_JITTER = 0.03;

  /** A rank's data wait varies by 20% (log-normal sigma) from step to step. */
  public static final double DATA_JITTER = 0.2;

  /** The share of steps in which a rank's data loader hiccups (ten times its usual wait). */
  public static final double HICCUP_RATE = 0.01;

  /** Where a generator's random numbers come from. */
  public interface Noise {

    /** A standard normal draw. */
    double gaussian();

    /** A uniform draw in [0, 1). */
    double uniform();

    /** Draws in sequence from {@code random} ({@link Random#nextGaussian}). */
    static Noise of(Random random) {
      return new Noise() {
        @Override
        public double gaussian() {
          return random.nextGaussian();
        }

        @Override
        public double uniform() {
          return random.nextDouble();
        }
      };
    }

    /** Draws from {@code random}, a normal draw by Box-Muller (one of the pair). */
    static Noise of(SplittableRandom random) {
      return new Noise() {
        @Override
        public double gaussian() {
          double u = 1 - random.nextDouble();
          double v = random.nextDouble();
          return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }

        @Override
        public double uniform() {
          return random.nextDouble();
        }
      };
    }
  }

  private final int world;
  private final JobFault fault;
  private final double[] compute;
  private final double[] data;

  /**
   * A job of {@code world} ranks.
   *
   * @param fault its fault, {@link JobFault#NONE} for a healthy job
   */
  public SynchronousJob(int world, JobFault fault) {
    if (world < 1 || fault == null) {
      throw new IllegalArgumentException("world=" + world + ", fault=" + fault);
    }
    this.world = world;
    this.fault = fault;
    this.compute = new double[world];
    this.data = new double[world];
  }

  /** A device's persistent offset from a draw: the draw, clamped to {@link #MAX_DEVICE_OFFSET}. */
  public static double deviceOffset(double draw) {
    return Math.max(-MAX_DEVICE_OFFSET, Math.min(MAX_DEVICE_OFFSET, draw));
  }

  public int world() {
    return world;
  }

  public JobFault fault() {
    return fault;
  }

  /**
   * Draws every rank's compute and data times of a step ({@link #computeMs}, {@link #dataMs}).
   *
   * @param computeBase a rank's healthy compute time before jitter, ms (the job's base, its drift
   *     and its device's offset)
   * @param dataMs a rank's healthy data wait before jitter, ms
   * @param computeScale a factor on every rank's compute time after jitter (1 for none)
   * @return the slowest rank's compute plus data time, ms
   */
  public double time(
      long step, Noise noise, IntToDoubleFunction computeBase, double dataMs, double computeScale) {
    double slowest = 0;
    for (int r = 0; r < world; r++) {
      double c = computeBase.applyAsDouble(r) * Math.exp(COMPUTE_JITTER * noise.gaussian());
      double d = dataMs * Math.exp(DATA_JITTER * noise.gaussian());
      if (noise.uniform() < HICCUP_RATE) {
        d *= 10; // a data-loader hiccup
      }
      if (computeScale != 1) {
        c *= computeScale;
      }
      compute[r] = fault.computeMs(r, step, c);
      data[r] = fault.dataMs(r, step, d);
      slowest = Math.max(slowest, compute[r] + data[r]);
    }
    return slowest;
  }

  /** A rank's compute time in the step last {@linkplain #time timed}, ms. */
  public double computeMs(int rank) {
    return compute[rank];
  }

  /** A rank's data wait in the step last {@linkplain #time timed}, ms. */
  public double dataMs(int rank) {
    return data[rank];
  }

  /** {@code true} if the rank reports the step, {@code false} once it (or its job) hangs. */
  public boolean reports(int rank, long step) {
    return fault.reports(rank, step);
  }

  /** The loss a rank reports for a step whose healthy loss is {@code healthy}. */
  public double loss(int rank, long step, double healthy) {
    return fault.loss(rank, step, healthy);
  }

  /** The gradient norm every rank reports for a step whose healthy norm is {@code healthy}. */
  public double gradNorm(long step, double healthy) {
    return fault.gradNorm(step, healthy);
  }
}
