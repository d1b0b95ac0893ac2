package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.Severity;
import java.util.Map;
import java.util.Set;

/**
 * Which alerts a bridge delivers. An alert passes if it is at least {@code minSeverity}, its rule
 * and job are included (an empty include set includes everything) and not excluded, it carries
 * every {@code includeLabels} pair and none of the {@code excludeLabels} pairs.
 *
 * <p>A resolve passes whenever its firing emission did: severity, rule, job and labels are the same
 * for every emission of an alert_id.
 */
public record AlertFilter(
    Severity minSeverity,
    Set<String> includeRules,
    Set<String> excludeRules,
    Set<String> includeJobs,
    Set<String> excludeJobs,
    Map<String, String> includeLabels,
    Map<String, String> excludeLabels) {

  public AlertFilter {
    minSeverity = minSeverity == null ? Severity.INFO : minSeverity;
    includeRules = Set.copyOf(includeRules);
    excludeRules = Set.copyOf(excludeRules);
    includeJobs = Set.copyOf(includeJobs);
    excludeJobs = Set.copyOf(excludeJobs);
    includeLabels = Map.copyOf(includeLabels);
    excludeLabels = Map.copyOf(excludeLabels);
  }

  /** Lets every alert through. */
  public static AlertFilter all() {
    return new AlertFilter(
        Severity.INFO, Set.of(), Set.of(), Set.of(), Set.of(), Map.of(), Map.of());
  }

  /** {@code true} if this bridge should deliver {@code alert}, {@code false} otherwise. */
  public boolean accepts(Alert alert) {
    if (!alert.severity().atLeast(minSeverity)) {
      return false;
    }
    if (!includeRules.isEmpty() && !includeRules.contains(alert.rule())
        || excludeRules.contains(alert.rule())) {
      return false;
    }
    String job = alert.job() == null ? "" : alert.job();
    if (!includeJobs.isEmpty() && !includeJobs.contains(job) || excludeJobs.contains(job)) {
      return false;
    }
    for (Map.Entry<String, String> want : includeLabels.entrySet()) {
      if (!want.getValue().equals(alert.labels().get(want.getKey()))) {
        return false;
      }
    }
    for (Map.Entry<String, String> unwanted : excludeLabels.entrySet()) {
      if (unwanted.getValue().equals(alert.labels().get(unwanted.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
