package io.trainwatch.monitor.alerting;

import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.schemas.AlertStatus;
import java.util.Map;

/**
 * One alert record to publish, before it is dressed with hints and labels by {@link AlertFactory}.
 *
 * @param revision the revision of this emission (firing n, resolved n+1)
 * @param diagnosis the diagnosis of the incident, or {@code null}
 * @param evidence the numbers to publish: the finding's for firing, the reason for resolved
 * @param startsAtMs event time at which the incident's condition first held
 * @param atMs event time of this emission (the firing batch, or the end of the incident)
 * @param step the step of this emission, or {@code null}
 * @param batches for firing: batches the condition held; for resolved: clear batches (0 when the
 *     run ended)
 * @param resolution for resolved: why ({@code clear}, {@code run_ended}, {@code evicted}); {@code
 *     null} for firing
 */
public record Emission(
    RuleId rule,
    AlertStatus status,
    int revision,
    String diagnosis,
    Finding finding,
    Map<String, Object> evidence,
    long startsAtMs,
    long atMs,
    Long step,
    int batches,
    String resolution) {

  public Emission {
    if (rule == null || status == null || revision < 1) {
      throw new IllegalArgumentException("rule, status and revision >= 1 are required");
    }
    evidence =
        evidence == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(evidence));
  }

  /** {@code true} if this emission opens an incident, {@code false} if it closes one. */
  public boolean firing() {
    return status == AlertStatus.FIRING;
  }
}
