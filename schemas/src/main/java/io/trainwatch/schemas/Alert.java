package io.trainwatch.schemas;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One emission of an alert on {@link Topics#ALERTS}, keyed by {@code alertId}.
 *
 * <p>Mirrors {@code schemas/json/alert.schema.json}. An incident produces exactly two emissions
 * with the same {@code alertId}: {@code firing} (revision n) and {@code resolved} (revision n+1).
 *
 * @param alertId stable per run and rule ({@code <run_id>/<rule>}): the deduplication key
 *     downstream; a later incident of the same rule in the same run reuses it with higher revisions
 * @param eventId unique per emission
 * @param revision 1 for the first emission of {@code alertId}, +1 per emission
 * @param diagnosis the most likely cause as a stable id ({@code softmax_into_nll}), or {@code null}
 * @param evidence the numbers that triggered the alert, in a stable order; values are Number,
 *     String, Boolean or null
 * @param step the step of this emission, or {@code null} when there was none (e.g. resolved by a
 *     timeout)
 * @param endsAt {@code null} while firing
 * @param actions what this emission asked of trainers (or, in a dry run, would have): the audit of
 *     {@link Topics#CONTROL}; empty when it only notifies
 * @param placement where in the fleet it points (host, device, rank, the ranks of a job-level
 *     alert); {@link AlertPlacement#NONE} for a run's own alert
 */
public record Alert(
    String alertId,
    String eventId,
    int revision,
    AlertStatus status,
    String rule,
    Severity severity,
    String runId,
    String job,
    String summary,
    String hint,
    String diagnosis,
    Map<String, Object> evidence,
    Long step,
    Instant startsAt,
    Instant endsAt,
    Map<String, String> labels,
    List<AlertAction> actions,
    AlertPlacement placement) {

  /** Longest summary the contract allows: PagerDuty's limit. */
  public static final int MAX_SUMMARY_LENGTH = 1024;

  public Alert {
    requireText("alert_id", alertId);
    requireText("event_id", eventId);
    requireText("rule", rule);
    TrainingEvent.requireRunId(runId);
    if (revision < 1) {
      throw new IllegalArgumentException("revision=" + revision + ": must be >= 1");
    }
    if (status == null || severity == null || startsAt == null) {
      throw new IllegalArgumentException("status, severity and starts_at are required");
    }
    if (status == AlertStatus.RESOLVED && endsAt == null) {
      throw new IllegalArgumentException("ends_at: required when status is resolved");
    }
    summary = oneLine(requireText("summary", summary));
    hint = hint == null ? "" : hint;
    // LinkedHashMap, not Map.copyOf: evidence order is part of what people read, and values may be
    // null.
    evidence =
        evidence == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    actions = actions == null ? List.of() : List.copyOf(actions);
    placement = placement == null ? AlertPlacement.NONE : placement;
  }

  /** An alert with its actions, pointing nowhere in particular. */
  public Alert(
      String alertId,
      String eventId,
      int revision,
      AlertStatus status,
      String rule,
      Severity severity,
      String runId,
      String job,
      String summary,
      String hint,
      String diagnosis,
      Map<String, Object> evidence,
      Long step,
      Instant startsAt,
      Instant endsAt,
      Map<String, String> labels,
      List<AlertAction> actions) {
    this(
        alertId,
        eventId,
        revision,
        status,
        rule,
        severity,
        runId,
        job,
        summary,
        hint,
        diagnosis,
        evidence,
        step,
        startsAt,
        endsAt,
        labels,
        actions,
        AlertPlacement.NONE);
  }

  /** An alert that asked nothing of trainers. */
  public Alert(
      String alertId,
      String eventId,
      int revision,
      AlertStatus status,
      String rule,
      Severity severity,
      String runId,
      String job,
      String summary,
      String hint,
      String diagnosis,
      Map<String, Object> evidence,
      Long step,
      Instant startsAt,
      Instant endsAt,
      Map<String, String> labels) {
    this(
        alertId,
        eventId,
        revision,
        status,
        rule,
        severity,
        runId,
        job,
        summary,
        hint,
        diagnosis,
        evidence,
        step,
        startsAt,
        endsAt,
        labels,
        List.of(),
        AlertPlacement.NONE);
  }

  /** This alert with its actions' audit. */
  public Alert withActions(List<AlertAction> newActions) {
    return new Alert(
        alertId,
        eventId,
        revision,
        status,
        rule,
        severity,
        runId,
        job,
        summary,
        hint,
        diagnosis,
        evidence,
        step,
        startsAt,
        endsAt,
        labels,
        newActions,
        placement);
  }

  /** This alert pointing at a place in the fleet. */
  public Alert withPlacement(AlertPlacement newPlacement) {
    return new Alert(
        alertId,
        eventId,
        revision,
        status,
        rule,
        severity,
        runId,
        job,
        summary,
        hint,
        diagnosis,
        evidence,
        step,
        startsAt,
        endsAt,
        labels,
        actions,
        newPlacement);
  }

  /**
   * One line per action for people ({@code trainwatch stopped run X at step N because ...}), empty
   * when there were none.
   */
  public List<String> actionLines() {
    return actions.stream().map(a -> a.describe(step, summary)).toList();
  }

  /**
   * {@code true} if this emission opens or continues an incident, {@code false} if it closes one.
   */
  public boolean firing() {
    return status == AlertStatus.FIRING;
  }

  private static String requireText(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(field + ": must not be empty");
    }
    return value;
  }

  private static String oneLine(String s) {
    String flat = s.replace('\r', ' ').replace('\n', ' ');
    return flat.length() <= MAX_SUMMARY_LENGTH
        ? flat
        : flat.substring(0, MAX_SUMMARY_LENGTH - 1) + "…";
  }
}
