package io.trainwatch.schemas;

import java.util.Locale;

/**
 * One {@link RankFault} of a data-parallel job, and what it does to the job's ranks: the one fault
 * record of the project's jobs, reproduced for real by the trainer's {@code DataParallelTraining}
 * and simulated by every job generator of the simulator ({@code SimulatedJob}, {@code
 * SimulatedFleet}, the monitor's test fleets), so that a fault means the same thing wherever it is
 * injected.
 *
 * @param kind what goes wrong ({@link RankFault#NONE} only in {@link #NONE})
 * @param rank the rank at fault
 * @param onsetStep the first step it shows
 * @param factor how many times slower, for {@link RankFault#SLOW_COMPUTE} and {@link
 *     RankFault#SLOW_DATA}; 1 for the others
 */
public record JobFault(RankFault kind, int rank, int onsetStep, double factor) {

  /** No fault: a healthy job. */
  public static final JobFault NONE = new JobFault(RankFault.NONE, -1, Integer.MAX_VALUE, 1);

  /**
   * {@code rank} computes {@code factor} times slower from {@code onsetStep} (1.2 = 20% slower).
   */
  public static JobFault slowCompute(int rank, int onsetStep, double factor) {
    return new JobFault(RankFault.SLOW_COMPUTE, rank, onsetStep, factor);
  }

  /** {@code rank} waits {@code factor} times longer for data from {@code onsetStep}. */
  public static JobFault slowData(int rank, int onsetStep, double factor) {
    return new JobFault(RankFault.SLOW_DATA, rank, onsetStep, factor);
  }

  /** {@code rank} hangs after the all-reduce of {@code onsetStep}. */
  public static JobFault hang(int rank, int onsetStep) {
    return new JobFault(RankFault.HANG, rank, onsetStep, 1);
  }

  /** {@code rank}'s batch of {@code onsetStep} holds a NaN. */
  public static JobFault nanRank(int rank, int onsetStep) {
    return new JobFault(RankFault.NAN_RANK, rank, onsetStep, 1);
  }

  public JobFault {
    if (kind == null) {
      throw new IllegalArgumentException("kind: required (RankFault.NONE for a healthy job)");
    }
    if (kind != RankFault.NONE && (rank < 0 || onsetStep < 0 || !(factor > 0))) {
      throw new IllegalArgumentException(
          kind + ": rank=" + rank + ", onsetStep=" + onsetStep + ", factor=" + factor);
    }
  }

  /** {@code true} if the fault acts on {@code r} at {@code step}: its rank, from the onset. */
  public boolean actsOn(int r, long step) {
    return kind != RankFault.NONE && r == rank && step >= onsetStep;
  }

  /**
   * {@code true} if the fault begins on {@code r} at {@code step}: its rank, at the onset (where a
   * NaN enters the batch and a hang happens).
   */
  public boolean startsAt(int r, long step) {
    return kind != RankFault.NONE && r == rank && step == onsetStep;
  }

  /** A rank's compute time of a step, {@code healthyMs} unless the fault slows its compute. */
  public double computeMs(int r, long step, double healthyMs) {
    return kind == RankFault.SLOW_COMPUTE && actsOn(r, step) ? healthyMs * factor : healthyMs;
  }

  /** A rank's data wait of a step, {@code healthyMs} unless the fault slows its input. */
  public double dataMs(int r, long step, double healthyMs) {
    return kind == RankFault.SLOW_DATA && actsOn(r, step) ? healthyMs * factor : healthyMs;
  }

  /**
   * {@code true} if the rank reports the step, {@code false} once it hangs: the hung rank from the
   * onset, its peers (blocked in the next all-reduce) from the step after.
   */
  public boolean reports(int r, long step) {
    return kind != RankFault.HANG || step < (long) onsetStep + (r == rank ? 0 : 1);
  }

  /**
   * The loss a rank reports: NaN on the faulty rank at a {@link RankFault#NAN_RANK}'s onset and on
   * every rank after (the all-reduce spread it), else {@code healthy}.
   */
  public double loss(int r, long step, double healthy) {
    return kind == RankFault.NAN_RANK && step >= onsetStep && (r == rank || step > onsetStep)
        ? Double.NaN
        : healthy;
  }

  /**
   * The gradient norm every rank reports (read after the all-reduce): NaN from the step after a
   * {@link RankFault#NAN_RANK}'s onset, else {@code healthy}.
   */
  public double gradNorm(long step, double healthy) {
    return kind == RankFault.NAN_RANK && step > onsetStep ? Double.NaN : healthy;
  }

  /** One line for people, e.g. "rank 2 computes 20% slower from step 100". */
  public String describe() {
    return switch (kind) {
      case NONE -> "healthy";
      case SLOW_COMPUTE ->
          String.format(
              Locale.ROOT,
              "rank %d computes %.0f%% slower from step %d",
              rank,
              100 * (factor - 1),
              onsetStep);
      case SLOW_DATA ->
          String.format(
              Locale.ROOT,
              "rank %d waits %.0fx longer for data from step %d",
              rank,
              factor,
              onsetStep);
      case HANG -> "rank " + rank + " hangs after the all-reduce of step " + onsetStep;
      case NAN_RANK -> "rank " + rank + "'s batch of step " + onsetStep + " holds a NaN";
    };
  }
}
