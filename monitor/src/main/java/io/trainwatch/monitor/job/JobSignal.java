package io.trainwatch.monitor.job;

/**
 * What one rank tells the job-level rules, re-keyed from its run to its job through the job-signals
 * topic: it started, it reported a step, it ended, or one of its own rules fired or resolved (to be
 * grouped with the other ranks' alerts into one page).
 *
 * @param sample for {@link Kind#BATCH}, else {@code null}
 * @param alert for {@link Kind#ALERT}: the rank's alert as contract JSON, else {@code null}
 */
public record JobSignal(
    Kind kind, String runId, RankIdentity rank, RankSample sample, byte[] alert) {

  /** What happened. */
  public enum Kind {
    STARTED,
    BATCH,
    ENDED,
    ALERT,
    /** It ended with status completed (its training loop finished). */
    COMPLETED
  }

  public JobSignal {
    if (kind == null || runId == null || rank == null) {
      throw new IllegalArgumentException("kind, run id and rank are required");
    }
    if ((kind == Kind.BATCH) != (sample != null) || (kind == Kind.ALERT) != (alert != null)) {
      throw new IllegalArgumentException(kind + ": sample only for batches, alert only for alerts");
    }
  }
}
