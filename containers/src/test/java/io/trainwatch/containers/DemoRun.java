package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.Alert;
import java.util.List;
import java.util.Set;

/**
 * The demo's training runs, one per {@code --fault} of the trainer, and what the monitor must say
 * about each: the same seed scenarios the embedded-broker tests check, here run by the images.
 */
enum DemoRun {
  HEALTHY("healthy", "none", null, Set.of(), null),
  SOFTMAX_INTO_NLL(
      "softmax-into-nll",
      "softmax-into-nll",
      "negative_loss",
      Set.of("softmax_into_nll"),
      "LossMCXENT"),
  UNNORMALIZED_INPUT(
      "unnormalized-input",
      "unnormalized-input",
      "unnormalized_input",
      Set.of("pixel_scale", "raw_scale"),
      "setPreProcessor"),
  DIVERGE("diverge", "diverge", "nonfinite_loss", Set.of("diverged"), "updater");

  private final String name;
  private final String fault;
  private final String rule;
  private final Set<String> diagnoses;
  private final String dl4jHintMentions;

  DemoRun(String name, String fault, String rule, Set<String> diagnoses, String dl4jHintMentions) {
    this.name = name;
    this.fault = fault;
    this.rule = rule;
    this.diagnoses = diagnoses;
    this.dl4jHintMentions = dl4jHintMentions;
  }

  String fault() {
    return fault;
  }

  /**
   * {@code <prefix>-healthy}, {@code <prefix>-softmax-into-nll}, ...: the run ids
   * docker-compose.yml uses too.
   */
  String runId(String prefix) {
    return prefix + "-" + name;
  }

  boolean faulty() {
    return rule != null;
  }

  static List<DemoRun> faultyRuns() {
    return List.of(SOFTMAX_INTO_NLL, UNNORMALIZED_INPUT, DIVERGE);
  }

  /** Whether a firing alert of the expected rule has arrived for this run. */
  boolean alerted(List<Alert> alerts, String prefix) {
    return alerts.stream()
        .anyMatch(a -> a.runId().equals(runId(prefix)) && a.firing() && a.rule().equals(rule));
  }

  /**
   * Checks what the monitor said about this run: nothing for the healthy run; for a faulty one a
   * firing alert of the expected rule and diagnosis whose hint speaks DL4J (the trainer declares
   * its framework).
   */
  void assertAlerts(List<Alert> alerts, String prefix) {
    List<Alert> mine = alerts.stream().filter(a -> a.runId().equals(runId(prefix))).toList();
    if (!faulty()) {
      assertThat(mine).as("alerts for the healthy run %s", runId(prefix)).isEmpty();
      return;
    }
    assertThat(mine)
        .as("alerts for %s", runId(prefix))
        .filteredOn(a -> a.firing() && a.rule().equals(rule))
        .isNotEmpty()
        .allSatisfy(
            a -> {
              assertThat(a.diagnosis()).as("diagnosis of %s", a.alertId()).isIn(diagnoses);
              assertThat(a.hint()).as("hint of %s", a.alertId()).contains(dl4jHintMentions);
            });
  }
}
