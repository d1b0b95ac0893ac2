package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Histories;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.RunStarted;
import java.util.List;
import java.util.Optional;

/**
 * Drives a rule the way the evaluator does: evaluate against the history, then add the batch to it.
 */
final class RuleTesting {

  private RuleTesting() {}

  static RunState run(RunStarted started) {
    return RunState.started(null, RunProfile.of(started, List.of()), started.tsMs(), 0);
  }

  static RunState anonymousRun() {
    return new RunState();
  }

  /**
   * The rule's verdict on one batch (empty also when the rule does not apply), then the batch is
   * observed.
   */
  static Optional<Finding> judge(Rule rule, RunState run, BatchEvent batch) {
    return judge(rule, run, batch, rule.spec().defaults());
  }

  static Optional<Finding> judge(Rule rule, RunState run, BatchEvent batch, RuleSettings settings) {
    Optional<Finding> f =
        rule.appliesTo(run, batch, settings)
            ? rule.evaluate(run, batch, settings)
            : Optional.empty();
    Histories.observe(run, batch);
    return f;
  }
}
