package io.trainwatch.monitor.alerting;

import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.RuleDefinition;
import io.trainwatch.monitor.rules.RuleSettings;
import io.trainwatch.monitor.run.AlertTrack;
import io.trainwatch.monitor.run.AlertTrack.Phase;
import io.trainwatch.schemas.AlertStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The life of one rule's alert for one run, modelled on Prometheus: inactive, then pending while
 * the condition holds, firing once it has held {@code for_batches} consecutive batches (or {@code
 * for_seconds} of event time), resolved after {@code resolve_after_batches} consecutive clear
 * batches or when the run ends. One firing record per incident, never one per batch. Pure: the
 * caller stores the returned track and publishes the emission.
 */
public final class AlertLifecycle {

  /** Resolution reasons, as published in the resolved record's evidence. */
  public static final String CLEARED = "clear";

  public static final String RUN_ENDED = "run_ended";
  public static final String EVICTED = "evicted";

  /** A job started a newer attempt: the old attempt's incidents are over. */
  public static final String RESTARTED = "restarted";

  private AlertLifecycle() {}

  /** The new track and, when the alert fired or resolved, the record to publish. */
  public record Step(AlertTrack track, Optional<Emission> emission) {

    static Step quiet(AlertTrack track) {
      return new Step(track, Optional.empty());
    }
  }

  /**
   * One evaluation of the rule on a batch (or, for time-based rules, on a wall-clock check).
   *
   * @param finding the rule's finding, empty when its condition was clear
   * @param tsMs event time of the evaluation
   * @param step the batch's step, or {@code null}
   */
  public static Step evaluate(
      RuleDefinition rule,
      AlertTrack track,
      Optional<Finding> finding,
      RuleSettings settings,
      long tsMs,
      Long step) {
    if (finding.isPresent()) {
      return hold(rule, track, finding.get(), settings, tsMs, step);
    }
    switch (track.phase()) {
      case PENDING:
        return Step.quiet(track.inactive());
      case FIRING:
        int clear = track.clear() + 1;
        if (clear >= settings.resolveAfterBatches()) {
          Map<String, Object> evidence = new LinkedHashMap<>();
          evidence.put("clear_batches", clear);
          return resolve(rule, track, tsMs, step, clear, CLEARED, evidence);
        }
        return Step.quiet(
            new AlertTrack(
                Phase.FIRING,
                track.hits(),
                clear,
                track.sinceMs(),
                track.revision(),
                track.diagnosis()));
      default:
        return Step.quiet(track);
    }
  }

  /**
   * The run is over (run_ended, or evicted): a firing alert resolves, a pending one is dropped.
   *
   * @param reason {@link #RUN_ENDED}, {@link #EVICTED} or {@link #RESTARTED}
   * @param evidence what to publish as the resolved record's evidence
   */
  public static Step close(
      RuleDefinition rule,
      AlertTrack track,
      long tsMs,
      Long step,
      String reason,
      Map<String, Object> evidence) {
    if (track.phase() == Phase.FIRING) {
      return resolve(rule, track, tsMs, step, 0, reason, evidence);
    }
    return Step.quiet(track.inactive());
  }

  private static Step hold(
      RuleDefinition rule,
      AlertTrack track,
      Finding f,
      RuleSettings settings,
      long tsMs,
      Long step) {
    if (track.phase() == Phase.FIRING) {
      return Step.quiet(
          new AlertTrack(
              Phase.FIRING,
              saturatedIncrement(track.hits()),
              0,
              track.sinceMs(),
              track.revision(),
              track.diagnosis()));
    }
    boolean pending = track.phase() == Phase.PENDING;
    int hits = pending ? saturatedIncrement(track.hits()) : 1;
    long since = pending ? track.sinceMs() : tsMs;
    boolean longEnough =
        hits >= settings.forBatches()
            || (settings.forSeconds() > 0 && tsMs - since >= settings.forSeconds() * 1000);
    if (!longEnough) {
      return Step.quiet(new AlertTrack(Phase.PENDING, hits, 0, since, track.revision(), -1));
    }
    int revision = track.revision() + 1;
    int diagnosis = rule.diagnoses().indexOf(f.diagnosis());
    if (diagnosis < 0) {
      throw new IllegalStateException(
          rule.id() + ": diagnosis " + f.diagnosis() + " is not declared");
    }
    Map<String, Object> evidence = new LinkedHashMap<>(f.evidence());
    evidence.put("batches", hits);
    Emission e =
        new Emission(
            rule.id(),
            AlertStatus.FIRING,
            revision,
            f.diagnosis(),
            f,
            evidence,
            since,
            tsMs,
            step,
            hits,
            null);
    return new Step(
        new AlertTrack(Phase.FIRING, hits, 0, since, revision, diagnosis), Optional.of(e));
  }

  private static Step resolve(
      RuleDefinition rule,
      AlertTrack track,
      long tsMs,
      Long step,
      int clear,
      String reason,
      Map<String, Object> evidence) {
    int revision = track.revision() + 1;
    String diagnosis = track.diagnosis() < 0 ? null : rule.diagnoses().get(track.diagnosis());
    Emission e =
        new Emission(
            rule.id(),
            AlertStatus.RESOLVED,
            revision,
            diagnosis,
            null,
            evidence,
            track.sinceMs(),
            Math.max(tsMs, track.sinceMs()),
            step,
            clear,
            reason);
    return new Step(new AlertTrack(Phase.INACTIVE, 0, 0, 0, revision, -1), Optional.of(e));
  }

  private static int saturatedIncrement(int n) {
    return n == Integer.MAX_VALUE ? n : n + 1;
  }
}
