package io.trainwatch.monitor.alerting;

import io.trainwatch.schemas.Alert;
import java.util.List;

/**
 * One job-level alert record to publish, before {@link JobAlertFactory} dresses it.
 *
 * @param emission what the lifecycle decided
 * @param scope {@code <run_id>} for a rank's alert, {@code <job>} for the job's, {@code <host>} for
 *     a host's: the alert id is {@code <scope>/<rule>}
 * @param runId the run the alert is published under (the rank concerned, or the first or culprit
 *     rank)
 * @param rank the rank concerned, or {@code null}
 * @param ranks for a group: the ranks listed; else empty
 * @param rankCount for a group: every rank that fired; else 0
 * @param first for a group: the first rank's own alert (its summary, hint and evidence); else
 *     {@code null}
 */
public record JobEmission(
    Emission emission,
    String scope,
    String job,
    String runId,
    Integer rank,
    String host,
    String device,
    List<Integer> ranks,
    int rankCount,
    Alert first) {

  public JobEmission {
    ranks = ranks == null ? List.of() : List.copyOf(ranks);
  }
}
