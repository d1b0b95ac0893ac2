package io.trainwatch.app.evaluate;

import io.trainwatch.trainer.TrainingSpec;
import java.util.Arrays;
import java.util.List;

/**
 * One labeled training run of the detection-quality corpus: what to train and what the monitor must
 * say.
 *
 * <p>Build one with {@link #healthy} or {@link #faulty} and the {@code with...}, {@code accepting}
 * and {@code measuredFrom} methods.
 *
 * @param name short id, also the run id's suffix
 * @param description what the run does, for the report
 * @param spec the training (with its fault and onset)
 * @param expected for a faulty run, the alerts that count as the right detection: any one of them,
 *     fired within the allowed delay, detects the fault (usually there is exactly one); empty for a
 *     healthy run, which must raise no alert at all
 * @param accepted rules that may also fire on this faulty run because they are true consequences of
 *     the fault (a learning rate that blows up the gradient also makes the loss rise); any other
 *     rule is an unexpected alert
 * @param delayOrigin where the detection delay is counted from
 * @param fixedLater {@code true} if the fault is fixed mid-run, so the expected alert must fire
 *     exactly once and resolve exactly once, before the run ends; {@code false} otherwise
 * @param knownGap why this scenario is known to miss the bar, or {@code null}: the report says so,
 *     and the integration test checks that the gap is still there (so that fixing it cannot go
 *     unnoticed)
 */
public record Scenario(
    String name,
    String description,
    TrainingSpec spec,
    List<ExpectedAlert> expected,
    List<String> accepted,
    DelayOrigin delayOrigin,
    boolean fixedLater,
    String knownGap) {

  public Scenario {
    if (name == null || !name.matches("[a-z0-9-]+")) {
      throw new IllegalArgumentException(
          "name=" + name + ": must be lower-case letters, digits and '-'");
    }
    if (spec == null || delayOrigin == null) {
      throw new IllegalArgumentException(
          "scenario " + name + ": spec and delay origin are required");
    }
    expected = List.copyOf(expected);
    accepted = List.copyOf(accepted);
    if (expected.isEmpty() && (!accepted.isEmpty() || fixedLater || knownGap != null)) {
      throw new IllegalArgumentException("scenario " + name + ": a healthy run accepts no alert");
    }
    if (fixedLater && spec.recoveryStep() == null) {
      throw new IllegalArgumentException("scenario " + name + ": fixedLater needs a recovery step");
    }
  }

  /** A run on which no alert may fire. */
  public static Scenario healthy(String name, String description, TrainingSpec spec) {
    return new Scenario(
        name, description, spec, List.of(), List.of(), DelayOrigin.ONSET, false, null);
  }

  /** A faulty run detected by any one of {@code expected}, delay counted from the fault's onset. */
  public static Scenario faulty(
      String name, String description, TrainingSpec spec, ExpectedAlert... expected) {
    if (expected.length == 0) {
      throw new IllegalArgumentException(
          "scenario " + name + ": a faulty run needs an expected alert");
    }
    return new Scenario(
        name,
        description,
        spec,
        Arrays.asList(expected),
        List.of(),
        DelayOrigin.ONSET,
        false,
        null);
  }

  /** This scenario, where {@code rules} may also fire as consequences of the fault. */
  public Scenario accepting(String... rules) {
    return new Scenario(
        name, description, spec, expected, Arrays.asList(rules), delayOrigin, fixedLater, knownGap);
  }

  /** This scenario, with the delay counted from {@code origin}. */
  public Scenario measuredFrom(DelayOrigin origin) {
    return new Scenario(name, description, spec, expected, accepted, origin, fixedLater, knownGap);
  }

  /** This scenario, whose fault is fixed at the spec's recovery step: one firing, one resolved. */
  public Scenario withFixAtRecovery() {
    return new Scenario(name, description, spec, expected, accepted, delayOrigin, true, knownGap);
  }

  /** This scenario, known to miss the bar for {@code reason}. */
  public Scenario withKnownGap(String reason) {
    return new Scenario(
        name, description, spec, expected, accepted, delayOrigin, fixedLater, reason);
  }

  /** {@code true} if no alert may fire on this run, {@code false} otherwise. */
  public boolean healthy() {
    return expected.isEmpty();
  }

  /** The step the fault begins at. */
  public int onsetStep() {
    return spec.onsetStep();
  }

  /**
   * {@code true} if {@code rule} is one of the expected rules or an accepted consequence, {@code
   * false} otherwise.
   */
  public boolean allows(String rule) {
    return accepted.contains(rule) || expected.stream().anyMatch(e -> e.rule().equals(rule));
  }

  /**
   * An alert that detects the fault.
   *
   * @param rule the rule id
   * @param diagnosis the diagnosis it must carry, or {@code null} for a rule without diagnoses to
   *     tell apart
   */
  public record ExpectedAlert(String rule, String diagnosis) {

    public ExpectedAlert {
      if (rule == null || rule.isBlank()) {
        throw new IllegalArgumentException("rule: required");
      }
    }

    public static ExpectedAlert of(String rule, String diagnosis) {
      return new ExpectedAlert(rule, diagnosis);
    }

    @Override
    public String toString() {
      return diagnosis == null ? rule : rule + "/" + diagnosis;
    }
  }
}
