package io.trainwatch.monitor.alerting;

import io.trainwatch.monitor.run.RunInfo;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.Severity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns an {@link Emission} into the published {@link Alert}: ids, one-line summary, the hint in
 * the run's framework's words, labels and job. Deterministic (no clock, no random ids), so an
 * exactly-once replay produces byte-identical alerts.
 */
public final class AlertFactory {

  /** Longest event id the contract allows. */
  static final int MAX_EVENT_ID = 128;

  private final HintCatalog hints;

  public AlertFactory(HintCatalog hints) {
    this.hints = hints;
  }

  /**
   * The alert id of a run and rule: {@code <run_id>/<rule>}, the same for every incident of the
   * rule.
   */
  public static String alertId(String runId, String rule) {
    return runId + "/" + rule;
  }

  /**
   * The event id of one emission: {@code <alert_id>#<revision>}, unique per emission and identical
   * on replay. Alert ids too long for the contract's 128 characters are shortened with a hash of
   * the full id.
   */
  public static String eventId(String alertId, int revision) {
    String suffix = "#" + revision;
    if (alertId.length() + suffix.length() <= MAX_EVENT_ID) {
      return alertId + suffix;
    }
    String hash = sha256Hex(alertId).substring(0, 32);
    int keep = MAX_EVENT_ID - suffix.length() - hash.length() - 1;
    return alertId.substring(0, keep) + "~" + hash + suffix;
  }

  /** The alert to publish for an emission of run {@code runId}. */
  public Alert toAlert(String runId, RunState run, RunInfo info, Emission e) {
    String alertId = alertId(runId, e.rule().id());
    Map<String, Object> values = new HashMap<>();
    values.put("run_id", runId);
    values.put("rule", e.rule().id());
    values.put("framework", run.framework());
    values.put("job", run.job());
    values.put("num_classes", run.numClasses());
    values.put("step", e.step());
    values.putAll(e.evidence());
    Wording words = Wording.of(hints, runId, e, run.framework(), values, AlertFactory::resolution);
    return fromEmission(alertId, e, e.rule().severity(), runId, run.job(), words, info.labels());
  }

  /**
   * What an alert says to people: the one-line summary and the hint.
   *
   * @param summary firing: {@code "<who>: <rule>: <the catalog's summary> (<title>)"}; resolved:
   *     {@code "<who>: <rule> resolved, <why> (<title>)"}
   * @param hint the catalog's hint in the framework's words when firing, empty when resolved
   */
  record Wording(String summary, String hint) {

    /**
     * The wording of emission {@code e} about {@code who} (a run, a job's rank, a job or a host).
     *
     * @param values what the catalog's templates may name
     * @param resolution why a resolved emission resolved, in words (not asked of a firing one)
     */
    static Wording of(
        HintCatalog hints,
        String who,
        Emission e,
        String framework,
        Map<String, Object> values,
        Function<Emission, String> resolution) {
      String title = hints.title(e.rule(), e.diagnosis());
      if (!e.firing()) {
        return new Wording(
            who + ": " + e.rule().id() + " resolved, " + resolution.apply(e) + " (" + title + ")",
            "");
      }
      return new Wording(
          who
              + ": "
              + e.rule().id()
              + ": "
              + hints.summary(e.rule(), e.diagnosis(), values)
              + " ("
              + title
              + ")",
          hints.hint(e.rule(), e.diagnosis(), framework, values));
    }
  }

  /**
   * The alert of emission {@code e} under {@code alertId}: its event id, revision, status, rule,
   * diagnosis, evidence, step and times come from the emission, the rest from the caller.
   */
  static Alert fromEmission(
      String alertId,
      Emission e,
      Severity severity,
      String runId,
      String job,
      Wording words,
      Map<String, String> labels) {
    return new Alert(
        alertId,
        eventId(alertId, e.revision()),
        e.revision(),
        e.status(),
        e.rule().id(),
        severity,
        runId,
        job,
        words.summary(),
        words.hint(),
        e.diagnosis(),
        e.evidence(),
        e.step(),
        Instant.ofEpochMilli(e.startsAtMs()),
        e.firing() ? null : Instant.ofEpochMilli(e.atMs()),
        labels);
  }

  private static String resolution(Emission e) {
    switch (e.resolution()) {
      case AlertLifecycle.CLEARED:
        return "condition clear for " + e.batches() + " batches";
      case AlertLifecycle.RUN_ENDED:
        return "run ended (" + e.evidence().getOrDefault("run_status", "unknown") + ")";
      case AlertLifecycle.EVICTED:
        return "run forgotten after "
            + e.evidence().getOrDefault("idle_seconds", "?")
            + " s without events";
      default:
        return e.resolution();
    }
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
