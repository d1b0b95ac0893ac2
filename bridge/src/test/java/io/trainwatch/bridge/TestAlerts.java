package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Alerts as the monitor emits them, for tests. */
final class TestAlerts {

  static final Instant STARTS_AT = Instant.parse("2026-11-26T10:01:00Z");
  static final String HINT =
      "The network's outputs are probabilities (rows sum to 1.000) but nll_loss expects"
          + " log-probabilities. Replace the final nn.Softmax with nn.LogSoftmax, or drop it and use"
          + " nn.CrossEntropyLoss on the raw logits.";

  private TestAlerts() {}

  /** A firing negative-loss alert of {@code runId} in job cifar-resnet. */
  static Alert firing(String runId) {
    return firing(runId, "negative_loss", Severity.CRITICAL, "cifar-resnet");
  }

  static Alert firing(String runId, String rule, Severity severity, String job) {
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("loss", -0.1031);
    evidence.put("lower_bound", 0L);
    evidence.put("output_row_sum_mean", 1.0);
    evidence.put("batches", 3L);
    return new Alert(
        runId + "/" + rule,
        UUID.randomUUID().toString(),
        1,
        AlertStatus.FIRING,
        rule,
        severity,
        runId,
        job,
        runId + ": loss -0.103 is below its lower bound 0 for 3 batches",
        HINT,
        "softmax_into_nll",
        evidence,
        12L,
        STARTS_AT,
        null,
        Map.of("team", "vision"));
  }

  /** The next emission of {@code a}: resolved 3m12s after it started. */
  static Alert resolved(Alert a) {
    return new Alert(
        a.alertId(),
        UUID.randomUUID().toString(),
        a.revision() + 1,
        AlertStatus.RESOLVED,
        a.rule(),
        a.severity(),
        a.runId(),
        a.job(),
        a.summary(),
        a.hint(),
        a.diagnosis(),
        a.evidence(),
        40L,
        a.startsAt(),
        a.startsAt().plus(Duration.ofSeconds(192)),
        a.labels());
  }

  /** The emission after {@code a}, firing again. */
  static Alert refiring(Alert a) {
    return new Alert(
        a.alertId(),
        UUID.randomUUID().toString(),
        a.revision() + 1,
        AlertStatus.FIRING,
        a.rule(),
        a.severity(),
        a.runId(),
        a.job(),
        a.summary(),
        a.hint(),
        a.diagnosis(),
        a.evidence(),
        90L,
        a.startsAt(),
        null,
        a.labels());
  }

  static Alert withEvidence(Alert a, Map<String, Object> evidence) {
    return new Alert(
        a.alertId(),
        a.eventId(),
        a.revision(),
        a.status(),
        a.rule(),
        a.severity(),
        a.runId(),
        a.job(),
        a.summary(),
        a.hint(),
        a.diagnosis(),
        evidence,
        a.step(),
        a.startsAt(),
        a.endsAt(),
        a.labels());
  }

  static Alert withText(Alert a, String summary, String hint) {
    return new Alert(
        a.alertId(),
        a.eventId(),
        a.revision(),
        a.status(),
        a.rule(),
        a.severity(),
        a.runId(),
        a.job(),
        summary,
        hint,
        a.diagnosis(),
        a.evidence(),
        a.step(),
        a.startsAt(),
        a.endsAt(),
        a.labels());
  }

  static Alert withJob(Alert a, String job) {
    return new Alert(
        a.alertId(),
        a.eventId(),
        a.revision(),
        a.status(),
        a.rule(),
        a.severity(),
        a.runId(),
        job,
        a.summary(),
        a.hint(),
        a.diagnosis(),
        a.evidence(),
        a.step(),
        a.startsAt(),
        a.endsAt(),
        a.labels());
  }

  static Alert withLabels(Alert a, Map<String, String> labels) {
    return new Alert(
        a.alertId(),
        a.eventId(),
        a.revision(),
        a.status(),
        a.rule(),
        a.severity(),
        a.runId(),
        a.job(),
        a.summary(),
        a.hint(),
        a.diagnosis(),
        a.evidence(),
        a.step(),
        a.startsAt(),
        a.endsAt(),
        labels);
  }
}
