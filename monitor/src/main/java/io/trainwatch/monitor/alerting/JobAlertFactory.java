package io.trainwatch.monitor.alerting;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertPlacement;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns a {@link JobEmission} into the published {@link Alert}: the alert id {@code <scope>/<rule>}
 * (a rank's run id, a job or a host), the summary and the hint in the job's framework's words.
 * Deterministic, like {@link AlertFactory}.
 */
public final class JobAlertFactory {

  private final HintCatalog hints;

  public JobAlertFactory(HintCatalog hints) {
    this.hints = hints;
  }

  /**
   * The alert of an emission.
   *
   * @param framework the job's framework (selects the hint's wording)
   */
  public Alert toAlert(JobEmission j, String framework) {
    return dress(j, framework)
        .withPlacement(new AlertPlacement(j.host(), j.device(), j.rank(), j.ranks()));
  }

  private Alert dress(JobEmission j, String framework) {
    Emission e = j.emission();
    String alertId = j.scope() + "/" + e.rule().id();
    if (j.first() != null) {
      return grouped(j, alertId);
    }
    Map<String, Object> values = new HashMap<>();
    values.put("run_id", j.runId());
    values.put("rule", e.rule().id());
    values.put("framework", framework);
    values.put("job", j.job());
    values.put("step", e.step());
    values.put("rank", j.rank());
    values.put("host", j.host());
    values.put("device", j.device());
    values.putAll(e.evidence());
    AlertFactory.Wording words =
        AlertFactory.Wording.of(hints, who(j), e, framework, values, JobAlertFactory::resolution);
    return AlertFactory.fromEmission(
        alertId, e, e.rule().severity(), j.runId(), j.job(), words, Map.of());
  }

  private Alert grouped(JobEmission j, String alertId) {
    Emission e = j.emission();
    Alert first = j.first();
    String ranks = (String) e.evidence().get("ranks");
    String where = j.rankCount() == 1 ? "rank " + ranks : j.rankCount() + " ranks (" + ranks + ")";
    String summary;
    if (e.firing()) {
      summary =
          j.job()
              + ": "
              + e.rule().id()
              + " on "
              + where
              + ", first rank "
              + j.rank()
              + (j.host() == null ? "" : " on " + j.host())
              + ": "
              + stripPrefix(first);
    } else {
      summary = j.job() + ": " + e.rule().id() + " resolved on " + where;
      if (e.resolution() != null && !AlertLifecycle.CLEARED.equals(e.resolution())) {
        summary += ": " + resolution(e);
      }
    }
    AlertFactory.Wording words = new AlertFactory.Wording(summary, e.firing() ? first.hint() : "");
    return AlertFactory.fromEmission(
        alertId, e, first.severity(), j.runId(), j.job(), words, first.labels());
  }

  /** The first rank's summary without its "run: rule: " prefix. */
  private static String stripPrefix(Alert first) {
    String prefix = first.runId() + ": " + first.rule() + ": ";
    String s = first.summary();
    return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
  }

  private static String who(JobEmission j) {
    if (j.scope().equals(j.runId()) && j.rank() != null) {
      return j.job() + " rank " + j.rank() + " (" + j.runId() + ")";
    }
    return j.scope();
  }

  private static String resolution(Emission e) {
    switch (e.resolution()) {
      case AlertLifecycle.CLEARED:
        return "condition clear for " + e.batches() + " checks";
      case AlertLifecycle.RUN_ENDED:
        return "run ended";
      case AlertLifecycle.EVICTED:
        return "forgotten after " + e.evidence().getOrDefault("idle_seconds", "?") + " s idle";
      case AlertLifecycle.RESTARTED:
        return "the job restarted (attempt " + e.evidence().getOrDefault("attempt", "?") + ")";
      default:
        return e.resolution();
    }
  }
}
