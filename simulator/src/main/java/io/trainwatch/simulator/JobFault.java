package io.trainwatch.simulator;

/**
 * One {@link RankFault} injected in a simulated data-parallel job, and what it does to the job's
 * ranks: the one fault record of every job generator ({@link SimulatedJob}, {@link SimulatedFleet}
 * and the monitor's test fleets), so that a fault means the same thing wherever it is simulated.
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
}
