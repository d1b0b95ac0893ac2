package io.trainwatch.app.evaluate;

import io.trainwatch.trainer.TrainingSpec;
import java.util.List;

/**
 * One labeled training run of the detection-quality corpus: what to train and what the monitor must say.
 *
 * @param name short id, also the run id's suffix
 * @param description what the run does, for the report
 * @param spec the training (with its fault and onset)
 * @param expected the alerts that must fire; empty for a healthy run, which must raise no alert at all
 * @param fixedLater {@code true} if the fault is fixed mid-run, so the expected alert must fire exactly once and
 *     resolve exactly once; {@code false} otherwise
 */
public record Scenario(
    String name, String description, TrainingSpec spec, List<ExpectedAlert> expected, boolean fixedLater) {

  public Scenario {
    expected = List.copyOf(expected);
  }

  /** {@code true} if no alert may fire on this run, {@code false} otherwise. */
  public boolean healthy() {
    return expected.isEmpty();
  }

  /** The step the fault begins at; detection delay is counted from here. */
  public int onsetStep() {
    return spec.onsetStep();
  }

  /**
   * An alert the monitor must raise.
   *
   * @param rule the rule id
   * @param diagnosis the diagnosis it must carry, or {@code null} for any
   */
  public record ExpectedAlert(String rule, String diagnosis) {

    public static ExpectedAlert of(String rule) {
      return new ExpectedAlert(rule, null);
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
