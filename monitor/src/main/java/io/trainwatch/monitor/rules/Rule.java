package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.Optional;

/**
 * A check on one batch of one run: a pure function of the run's history, the batch and the rule's
 * settings. No Kafka types, no clock, no I/O; the alert lifecycle decides what to publish.
 */
public interface Rule extends RuleDefinition {

  /**
   * {@code true} if the rule can judge this batch, {@code false} if it cannot yet or cannot at all
   * (warming up, data it needs not published). A batch the rule cannot judge neither advances nor
   * clears its alert.
   */
  default boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    return true;
  }

  /**
   * {@code true} if the rule judges steps the mixed-precision loss scaler skipped, {@code false}
   * (the default) if it never sees them. A skipped step is normal under dynamic loss scaling (its
   * scaled gradients overflowed, the scaler halved the scale and dropped the update), so a rule
   * about the loss, the gradients or the predictions must not count it: for that rule the step
   * neither advances nor clears its alert.
   */
  default boolean judgesSkippedSteps() {
    return false;
  }

  /**
   * Judges one batch against the history before it.
   *
   * @return a finding when the condition holds for this batch, empty when it is clear
   */
  Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings);
}
