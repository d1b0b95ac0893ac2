package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import java.util.Optional;

/**
 * A rule that is also judged on the wall clock, between events: the absence of data is its signal.
 * Still pure: the caller passes the times in.
 */
public interface TimedRule extends Rule {

  /**
   * Judges a live run at a wall-clock check.
   *
   * @param nowMs the wall-clock time of the check
   * @param watchingSinceMs when this monitor instance started watching the run's partition: a run
   *     is never judged silent for longer than the monitor has been able to see it
   * @return a finding when the condition holds, empty when it is clear
   */
  Optional<Finding> evaluateAt(
      RunState run, long nowMs, long watchingSinceMs, RuleSettings settings);
}
