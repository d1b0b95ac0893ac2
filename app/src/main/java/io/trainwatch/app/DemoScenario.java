package io.trainwatch.app;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.Fault;
import java.util.List;

/**
 * One demo training run and what the monitor must say about it.
 *
 * @param runId the run id the trainer publishes under
 * @param fault the bug the run reproduces ({@link Fault#NONE} for the healthy run)
 * @param expectedRule the rule that must fire, or {@code null} when no alert at all is allowed
 * @param expectedDiagnosis the diagnosis that firing must carry, or {@code null} for any
 * @param pytorchScenario for a PyTorch run, its {@code python3 -m trainwatch.demo} scenario ({@code
 *     fault} is then {@code null}); {@code null} for a DL4J run
 */
record DemoScenario(
    String runId,
    Fault fault,
    String expectedRule,
    String expectedDiagnosis,
    String pytorchScenario) {

  /** A DL4J run. */
  DemoScenario(String runId, Fault fault, String expectedRule, String expectedDiagnosis) {
    this(runId, fault, expectedRule, expectedDiagnosis, null);
  }

  /**
   * The PyTorch runs of {@code ./trainwatch demo --pytorch}: two healthy controls (a classifier, a
   * token-id language model over 2,000 words) and the seed's bugs in PyTorch, plus raw logits into
   * {@code nll_loss}.
   */
  static List<DemoScenario> pytorch(String prefix) {
    return List.of(
        torch(prefix, "healthy-cross-entropy", null, null),
        torch(prefix, "healthy-lm", null, null),
        torch(prefix, "softmax-into-nll", "negative_loss", "softmax_into_nll"),
        torch(prefix, "logits-into-nll", "negative_loss", "logits_into_nll"),
        torch(prefix, "unnormalized-input", "unnormalized_input", "pixel_scale"),
        torch(prefix, "diverge", "nonfinite_loss", null));
  }

  private static DemoScenario torch(String prefix, String scenario, String rule, String diagnosis) {
    return new DemoScenario(prefix + scenario, null, rule, diagnosis, scenario);
  }

  /** The four seed scenarios: one healthy run and the three classic failures. */
  static List<DemoScenario> seeds(String prefix) {
    return List.of(
        new DemoScenario(prefix + "healthy", Fault.NONE, null, null),
        new DemoScenario(
            prefix + "softmax-into-nll",
            Fault.SOFTMAX_INTO_NLL,
            "negative_loss",
            "softmax_into_nll"),
        new DemoScenario(
            prefix + "unnormalized-input", Fault.UNNORMALIZED_INPUT, "unnormalized_input", null),
        new DemoScenario(prefix + "diverge", Fault.DIVERGE, "nonfinite_loss", null));
  }

  /** {@code true} if the run should raise no alert at all, {@code false} otherwise. */
  boolean healthy() {
    return expectedRule == null;
  }

  /**
   * {@code true} if {@code alerts} (this run's) satisfy the expectation, {@code false} otherwise.
   */
  boolean satisfiedBy(List<Alert> alerts) {
    if (healthy()) {
      return alerts.isEmpty();
    }
    return alerts.stream().anyMatch(this::isExpectedFiring);
  }

  /**
   * {@code true} if {@code a} is the firing alert this scenario waits for, {@code false} otherwise.
   */
  boolean isExpectedFiring(Alert a) {
    return a.firing()
        && a.rule().equals(expectedRule)
        && (expectedDiagnosis == null || expectedDiagnosis.equals(a.diagnosis()));
  }
}
