package io.trainwatch.schemas;

/**
 * What goes wrong on one rank of a synchronous data-parallel job: the project's one list of
 * distributed faults, beside {@link Fault} (the training bugs a single run reproduces). A {@link
 * JobFault} places one of them on a rank from a step on. The trainer's {@code DataParallelTraining}
 * reproduces {@link #SLOW_COMPUTE}, {@link #HANG} and {@link #NAN_RANK} for real on DL4J ranks; the
 * simulator's one job model ({@code SynchronousJob}) simulates all of them for every job generator
 * ({@code SimulatedJob} for the benchmarks' fleet, {@code SimulatedFleet} for the evaluation's, the
 * monitor's test fleets). The evaluation and the benchmarks score the monitor against them.
 */
public enum RankFault implements WireName {
  /** Nothing: a healthy job. */
  NONE,
  /**
   * The rank computes {@code factor} times slower from the onset: a straggler (a slow, throttled or
   * degraded accelerator). Its {@code compute_ms} grows, its peers wait for it in the all-reduce,
   * and every rank's {@code step_ms} grows alike.
   */
  SLOW_COMPUTE,
  /** The rank waits {@code factor} times longer for data from the onset (its input pipeline). */
  SLOW_DATA,
  /**
   * The rank's batch at the onset holds a NaN (a corrupt sample, silent data corruption): the rank
   * alone reports a NaN loss at the onset; the all-reduce spreads it, and every rank does from the
   * next step.
   */
  NAN_RANK,
  /**
   * The rank hangs at the onset, after the all-reduce (in its optimizer step, as a hung device or
   * driver would): it never reports that step; the others report it and then block at the next
   * all-reduce; nobody reports anything after, not even {@code run_ended}.
   */
  HANG
}
