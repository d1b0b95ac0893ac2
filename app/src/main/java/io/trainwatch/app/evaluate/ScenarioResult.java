package io.trainwatch.app.evaluate;

import io.trainwatch.schemas.Alert;
import io.trainwatch.trainer.TrainingReport;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/** What the monitor said about one {@link Scenario}, and how that scores. */
public record ScenarioResult(Scenario scenario, TrainingReport training, List<Alert> alerts) {

  /** The largest detection delay, in batches after onset, that still counts as detected. */
  public static final int MAX_DELAY_BATCHES = 5;

  public ScenarioResult {
    alerts = List.copyOf(alerts);
  }

  /** Firing emissions of this run. */
  public List<Alert> firings() {
    return alerts.stream().filter(Alert::firing).toList();
  }

  /** The first firing that matches {@code expected} (rule, and diagnosis if given). */
  public java.util.Optional<Alert> firstFiring(Scenario.ExpectedAlert expected) {
    return firings().stream()
        .filter(a -> a.rule().equals(expected.rule()))
        .filter(a -> expected.diagnosis() == null || expected.diagnosis().equals(a.diagnosis()))
        .findFirst();
  }

  /** Batches from onset to the first matching firing, if it fired. */
  public OptionalLong delayBatches(Scenario.ExpectedAlert expected) {
    return firstFiring(expected)
        .filter(a -> a.step() != null)
        .map(a -> OptionalLong.of(a.step() - scenario.onsetStep()))
        .orElse(OptionalLong.empty());
  }

  /** {@code true} if {@code expected} fired with the right diagnosis within the delay bar, {@code false} otherwise. */
  public boolean detected(Scenario.ExpectedAlert expected) {
    OptionalLong delay = delayBatches(expected);
    return delay.isPresent() && delay.getAsLong() >= 0 && delay.getAsLong() <= MAX_DELAY_BATCHES;
  }

  /** Firings on a healthy run: every one is a false alarm. */
  public long falseAlarms() {
    return scenario.healthy() ? firings().size() : 0;
  }

  /** Rules that fired on a faulty run without being expected (reported, not counted as false alarms). */
  public List<String> otherRules() {
    List<String> expectedRules = scenario.expected().stream().map(Scenario.ExpectedAlert::rule).toList();
    return firings().stream().map(Alert::rule).filter(r -> !expectedRules.contains(r)).distinct().toList();
  }

  /**
   * For a fault fixed mid-run: {@code true} if each expected rule fired exactly once and resolved exactly once,
   * {@code false} otherwise. Always {@code true} for other scenarios.
   */
  public boolean oneIncidentPerFix() {
    if (!scenario.fixedLater()) {
      return true;
    }
    return scenario.expected().stream().allMatch(e ->
        alerts.stream().filter(a -> a.rule().equals(e.rule()) && a.firing()).count() == 1
            && alerts.stream().filter(a -> a.rule().equals(e.rule()) && !a.firing()).count() == 1);
  }

  /** {@code true} if the scenario meets the bar, {@code false} otherwise. */
  public boolean meetsBar() {
    if (scenario.healthy()) {
      return alerts.isEmpty();
    }
    return scenario.expected().stream().allMatch(this::detected) && oneIncidentPerFix();
  }

  /** "rule/diagnosis@step" for each firing, for the report. */
  public String firedSummary() {
    return firings().stream()
        .map(a -> a.rule() + (a.diagnosis() == null ? "" : "/" + a.diagnosis()) + "@" + a.step())
        .collect(Collectors.joining(", "));
  }
}
