package io.trainwatch.monitor.job;

import io.trainwatch.schemas.RunStarted;

/**
 * Who a run is in its job: set by {@code run_started} and attached to everything the run sends to
 * the job-level rules. Only runs of a distributed job (a job, a rank and a world size of at least
 * 2) have one.
 *
 * @param worldSize declared ranks of the job, at least 2
 * @param attempt 0 for the job's first launch, +1 per restart (0 when not published)
 */
public record RankIdentity(
    String job,
    int rank,
    int worldSize,
    int attempt,
    String host,
    String device,
    String framework) {

  /** The identity of a run, or {@code null} when it is not a rank of a distributed job. */
  public static RankIdentity of(RunStarted s) {
    if (s.job() == null
        || s.job().isEmpty()
        || s.rank() == null
        || s.worldSize() == null
        || s.worldSize() < 2) {
      return null;
    }
    return new RankIdentity(
        s.job(),
        s.rank(),
        s.worldSize(),
        s.attempt() == null ? 0 : s.attempt(),
        s.host(),
        s.device(),
        s.framework() == null ? null : s.framework().toLowerCase(java.util.Locale.ROOT));
  }
}
