package io.trainwatch.app.evaluate;

import io.trainwatch.schemas.Alert;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the monitor said about one {@link FleetCase}, and how it scores: detected by the right rule
 * naming the right rank and host, how late, and how many pages the incident took.
 *
 * @param alerts every alert record about the subject (its job's, or for a host case the host's
 *     {@code suspect_node}), in the order the monitor published them
 */
public record FleetCaseResult(FleetCase fleetCase, List<Alert> alerts) {

  public FleetCaseResult {
    alerts = List.copyOf(alerts);
  }

  public List<Alert> firings() {
    return alerts.stream().filter(Alert::firing).toList();
  }

  /** The first firing of the expected rule that names the expected rank and host. */
  public Optional<Alert> detection() {
    FleetCase c = fleetCase;
    if (c.healthy()) {
      return Optional.empty();
    }
    return firings().stream()
        .filter(a -> a.rule().equals(c.expectedRule()))
        .filter(a -> c.expectedDiagnosis() == null || c.expectedDiagnosis().equals(a.diagnosis()))
        .filter(a -> c.rank() == null || c.rank().equals(rankOf(a)))
        .filter(a -> c.host() == null || c.host().equals(hostOf(a)))
        .findFirst();
  }

  /** Steps from the onset to the detecting alert's step, or empty. */
  public Optional<Long> delaySteps() {
    return detection()
        .filter(a -> a.step() != null && fleetCase.onsetStep() >= 0)
        .map(a -> a.step() - fleetCase.onsetStep());
  }

  /** For a hang: the silence (seconds) the monitor measured when it fired, or empty. */
  public Optional<Long> silentSeconds() {
    return detection()
        .map(a -> a.evidence().get("silent_seconds"))
        .filter(Number.class::isInstance)
        .map(n -> ((Number) n).longValue());
  }

  /** Distinct alerts that fired for the subject: the pages of its incident. */
  public long pages() {
    return firings().stream().map(Alert::alertId).distinct().count();
  }

  /** Firing records on a healthy subject. */
  public long falseAlarms() {
    return fleetCase.healthy() ? firings().size() : 0;
  }

  /** {@code true} if detected in time, {@code false} otherwise. */
  public boolean detected() {
    if (detection().isEmpty()) {
      return false;
    }
    if (fleetCase.maxDelaySteps() < 0) {
      return true;
    }
    return delaySteps().filter(d -> d >= 0 && d <= fleetCase.maxDelaySteps()).isPresent();
  }

  /** Why the case misses the bar; empty if it meets it. */
  public List<String> failures() {
    List<String> why = new ArrayList<>();
    if (fleetCase.healthy()) {
      if (!firings().isEmpty()) {
        why.add("false alarms: " + firedSummary());
      }
      return why;
    }
    if (detection().isEmpty()) {
      why.add(
          "not detected: expected "
              + expected()
              + ", fired "
              + (firings().isEmpty() ? "nothing" : firedSummary()));
    } else if (!detected()) {
      why.add("detected late: " + delaySummary());
    }
    if (pages() > 1) {
      why.add(pages() + " pages for one incident: " + firedSummary());
    }
    return why;
  }

  public boolean meetsBar() {
    return failures().isEmpty();
  }

  /** "rule/diagnosis", the rank and host expected. */
  public String expected() {
    FleetCase c = fleetCase;
    if (c.healthy()) {
      return "no alert";
    }
    StringBuilder s = new StringBuilder(c.expectedRule());
    if (c.expectedDiagnosis() != null) {
      s.append('/').append(c.expectedDiagnosis());
    }
    if (c.rank() != null) {
      s.append(" naming rank ").append(c.rank());
    }
    if (c.host() != null) {
      s.append(c.rank() != null ? " on " : " naming ").append(c.host());
    }
    return s.toString();
  }

  /** The delay as the report shows it. */
  public String delaySummary() {
    if (detection().isEmpty()) {
      return "missed";
    }
    if (fleetCase.maxDelaySteps() >= 0) {
      return delaySteps().map(d -> d + " steps").orElse("?");
    }
    Alert a = detection().get();
    Object limit = a.evidence().get("limit_seconds");
    return silentSeconds()
        .map(s -> s + " s silent" + (limit == null ? "" : " (limit " + limit + " s)"))
        .orElse("fired");
  }

  /** "rule/diagnosis@step [rank r, host]" of each firing, in order. */
  public String firedSummary() {
    return firings().stream()
        .sorted(Comparator.comparingLong(a -> a.step() == null ? -1 : a.step()))
        .map(
            a -> {
              String where = "";
              Integer r = rankOf(a);
              String h = hostOf(a);
              if (r != null || h != null) {
                where =
                    " ["
                        + (r == null ? "" : "rank " + r)
                        + (r != null && h != null ? ", " : "")
                        + (h == null ? "" : h)
                        + "]";
              }
              return a.rule()
                  + (a.diagnosis() == null ? "" : "/" + a.diagnosis())
                  + (a.step() == null ? "" : "@" + a.step())
                  + where;
            })
        .collect(Collectors.joining(", "));
  }

  static Integer rankOf(Alert a) {
    if (a.placement() != null && a.placement().rank() != null) {
      return a.placement().rank();
    }
    return a.evidence().get("rank") instanceof Number n ? n.intValue() : null;
  }

  static String hostOf(Alert a) {
    if (a.placement() != null && a.placement().host() != null) {
      return a.placement().host();
    }
    return a.evidence().get("host") instanceof String s ? s : null;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "%s %s: %s", fleetCase.scenario(), fleetCase.subject(), firedSummary());
  }
}
