package io.trainwatch.simulator;

/**
 * What goes wrong on one rank of a synchronous data-parallel job: the simulator's one list of
 * distributed faults, injected as a {@link JobFault} into the one job model ({@link
 * SynchronousJob}) by every job generator ({@link SimulatedJob} for the benchmarks' fleet, {@link
 * SimulatedFleet} for the evaluation's, the monitor's test fleets). The training bugs a single run
 * reproduces are {@link io.trainwatch.schemas.Fault}.
 */
public enum RankFault {
  /** Nothing: a healthy job. */
  NONE,
  /**
   * The rank computes {@code factor} times slower from the onset: a straggler (a slow or throttled
   * accelerator).
   */
  SLOW_COMPUTE,
  /** The rank waits {@code factor} times longer for data from the onset (its input pipeline). */
  SLOW_DATA,
  /** The rank alone reports a NaN loss at the onset; every rank does from the next step. */
  NAN_RANK,
  /**
   * The rank stops at the onset (a device hang after the all-reduce); the others report one more
   * step and then block at the next all-reduce; nobody reports anything after.
   */
  HANG
}
