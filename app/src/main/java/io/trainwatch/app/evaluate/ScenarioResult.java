package io.trainwatch.app.evaluate;

import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.trainer.TrainingReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the monitor said about one {@link Scenario}, and how that scores against the bar.
 *
 * @param scenario the labeled run
 * @param training the trainer's report
 * @param alerts every alert record of the run, in topic order
 * @param batches the run's batch events as the monitor read them from the topic, in order (to
 *     locate the delay's origin)
 * @param settings the rule settings the monitor applied to the run (its job's)
 */
public record ScenarioResult(
    Scenario scenario,
    TrainingReport training,
    List<Alert> alerts,
    List<BatchEvent> batches,
    RunSettings settings) {

  /** The largest detection delay, in batches after the origin, that still counts as detected. */
  public static final int MAX_DELAY_BATCHES = 5;

  /**
   * How long after {@code stall_seconds} a stall alert may come: the monitor looks for silent runs
   * once per {@code monitor.wall_clock_interval_seconds} (1 s in the evaluation), on a machine that
   * is also training.
   */
  public static final int STALL_SLACK_SECONDS = 5;

  public ScenarioResult {
    alerts = List.copyOf(alerts);
    batches = List.copyOf(batches);
  }

  /**
   * The first firing of one of the expected alerts, the delay it came with, and the origin of that
   * delay.
   */
  public record Detection(
      Scenario.ExpectedAlert expected, Alert alert, long originStep, double delay) {}

  /** Firing records of this run. */
  public List<Alert> firings() {
    return alerts.stream().filter(Alert::firing).toList();
  }

  /** The step (or, for a stall, the last event) the delay is counted from. */
  public long originStep() {
    return scenario.delayOrigin().originStep(scenario, settings, batches);
  }

  /** The earliest firing that matches one of the expected alerts (rule, and diagnosis if given). */
  public Optional<Detection> detection() {
    long origin = originStep();
    List<Detection> found = new ArrayList<>();
    for (Scenario.ExpectedAlert e : scenario.expected()) {
      firings().stream()
          .filter(a -> matches(a, e))
          .findFirst()
          .flatMap(a -> delayOf(a, origin).map(d -> new Detection(e, a, origin, d)))
          .ifPresent(found::add);
    }
    return found.stream().min(Comparator.comparingDouble(Detection::delay));
  }

  /** {@code true} if an expected alert fired within the bar's delay, {@code false} otherwise. */
  public boolean detected() {
    return detection().filter(this::inTime).isPresent();
  }

  /**
   * Rules that fired although the scenario neither expects nor accepts them: every firing of a
   * healthy run.
   */
  public List<String> unexpectedRules() {
    return firings().stream().map(Alert::rule).filter(r -> !scenario.allows(r)).distinct().toList();
  }

  /** Accepted consequences of the fault that fired, besides the detecting rule. */
  public List<String> secondaryRules() {
    String detecting = detection().map(d -> d.alert().rule()).orElse(null);
    return firings().stream()
        .map(Alert::rule)
        .filter(r -> scenario.allows(r) && !r.equals(detecting))
        .distinct()
        .toList();
  }

  /** Firings on a healthy run: every one is a false alarm. */
  public long falseAlarms() {
    return scenario.healthy() ? firings().size() : 0;
  }

  /**
   * For a fault fixed mid-run: {@code true} if the run produced exactly two alert records, one
   * firing of an expected alert and its resolution once the condition cleared after the fix (not at
   * run end); {@code true} for every other scenario.
   */
  public boolean oneIncidentPerFix() {
    if (!scenario.fixedLater()) {
      return true;
    }
    if (alerts.size() != 2 || !alerts.get(0).firing() || alerts.get(1).firing()) {
      return false;
    }
    Alert fired = alerts.get(0);
    Alert resolved = alerts.get(1);
    long lastStep = batches.isEmpty() ? -1 : batches.get(batches.size() - 1).step();
    return scenario.expected().stream().anyMatch(e -> matches(fired, e))
        && resolved.alertId().equals(fired.alertId())
        && resolved.step() != null
        && resolved.step() >= scenario.spec().recoveryStep()
        && resolved.step() < lastStep;
  }

  /** Why this scenario misses the bar; empty if it meets it. */
  public List<String> failures() {
    List<String> why = new ArrayList<>();
    if (scenario.healthy()) {
      if (!alerts.isEmpty()) {
        why.add("false alarms: " + firedSummary());
      }
      return why;
    }
    Optional<Detection> d = detection();
    if (d.isEmpty()) {
      why.add(
          "not detected: expected "
              + expectedSummary()
              + ", fired "
              + (firings().isEmpty() ? "nothing" : firedSummary()));
    } else if (!inTime(d.get())) {
      why.add("detected late: " + delaySummary());
    }
    if (!unexpectedRules().isEmpty()) {
      why.add("unexpected rules: " + String.join(", ", unexpectedRules()));
    }
    if (!oneIncidentPerFix()) {
      why.add(
          "fixed fault: expected one firing and one resolution after the fix, got "
              + recordsSummary());
    }
    return why;
  }

  /** {@code true} if the scenario meets the bar, {@code false} otherwise. */
  public boolean meetsBar() {
    return failures().isEmpty();
  }

  /**
   * The run's per-batch ratios of the first trainable layer's gradient norm to the whole gradient
   * norm, sorted, over the batches where both are finite and the whole is positive: the margins of
   * {@code vanishing_gradient}'s {@code min_first_layer_ratio}, measured on every run the report
   * scores.
   */
  public double[] firstLayerGradientRatios() {
    return batches.stream()
        .filter(
            b ->
                b.firstLayerGradNorm() != null
                    && Double.isFinite(b.firstLayerGradNorm())
                    && b.gradNorm() != null
                    && Double.isFinite(b.gradNorm())
                    && b.gradNorm() > 0)
        .mapToDouble(b -> b.firstLayerGradNorm() / b.gradNorm())
        .sorted()
        .toArray();
  }

  /** "rule/diagnosis@step" for each firing in step order, for the report. */
  public String firedSummary() {
    return firings().stream()
        .sorted(Comparator.comparingLong(a -> a.step() == null ? -1 : a.step()))
        .map(a -> a.rule() + (a.diagnosis() == null ? "" : "/" + a.diagnosis()) + "@" + a.step())
        .collect(Collectors.joining(", "));
  }

  /** The expected alerts, "a or b". */
  public String expectedSummary() {
    return scenario.expected().stream()
        .map(Scenario.ExpectedAlert::toString)
        .collect(Collectors.joining(" or "));
  }

  /** The delay as the report shows it: "3" batches, "6 s", or "missed". */
  public String delaySummary() {
    return detection()
        .map(
            d ->
                scenario.delayOrigin().inBatches()
                    ? String.valueOf((long) d.delay())
                    : String.format(
                        java.util.Locale.ROOT,
                        "%.0f s (stall_seconds %s)",
                        d.delay(),
                        d.alert().evidence().get("stall_seconds")))
        .orElse("missed");
  }

  private String recordsSummary() {
    return alerts.stream()
        .map(a -> (a.firing() ? "firing " : "resolved ") + a.rule() + "@" + a.step())
        .collect(Collectors.joining(", "));
  }

  private boolean inTime(Detection d) {
    if (scenario.delayOrigin().inBatches()) {
      return d.delay() >= 0 && d.delay() <= MAX_DELAY_BATCHES;
    }
    Object configured = d.alert().evidence().get("stall_seconds");
    if (!(configured instanceof Number stallSeconds)) {
      return false;
    }
    return d.delay() >= stallSeconds.doubleValue()
        && d.delay() <= stallSeconds.doubleValue() + STALL_SLACK_SECONDS;
  }

  private Optional<Double> delayOf(Alert a, long origin) {
    if (scenario.delayOrigin().inBatches()) {
      return a.step() == null ? Optional.empty() : Optional.of((double) (a.step() - origin));
    }
    return a.evidence().get("silent_seconds") instanceof Number silent
        ? Optional.of(silent.doubleValue())
        : Optional.empty();
  }

  private static boolean matches(Alert a, Scenario.ExpectedAlert e) {
    return a.firing()
        && a.rule().equals(e.rule())
        && (e.diagnosis() == null || e.diagnosis().equals(a.diagnosis()));
  }
}
