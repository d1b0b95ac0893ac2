package io.trainwatch.monitor.alerting;

import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.run.RunState;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Which firing alerts silence which rules for the same run, as Alertmanager inhibition rules do: once the loss is
 * NaN, "the loss is diverging" or "the loss is negative" says nothing new. A silenced rule is not evaluated at all,
 * so it neither fires nor resolves until the silencing alert resolves.
 */
public final class Inhibitions {

  private final Map<RuleId, Set<RuleId>> sourcesByTarget;

  /**
   * @param sourcesByTarget for each silenced rule, the rules whose firing alert silences it
   * @throws IllegalArgumentException if a rule would silence itself
   */
  public Inhibitions(Map<RuleId, Set<RuleId>> sourcesByTarget) {
    this.sourcesByTarget = new EnumMap<>(RuleId.class);
    sourcesByTarget.forEach((target, sources) -> {
      if (sources.contains(target)) {
        throw new IllegalArgumentException(target + ": cannot inhibit itself");
      }
      this.sourcesByTarget.put(target, EnumSet.copyOf(sources));
    });
  }

  /** The built-in inhibitions (see docs/rules.md). */
  public static Inhibitions standard() {
    Map<RuleId, Set<RuleId>> m = new EnumMap<>(RuleId.class);
    m.put(RuleId.NEGATIVE_LOSS, EnumSet.of(RuleId.NONFINITE_LOSS));
    return new Inhibitions(m);
  }

  /** No inhibitions at all. */
  public static Inhibitions none() {
    return new Inhibitions(Map.of());
  }

  /** The rules whose firing alert silences {@code target}. */
  public Set<RuleId> sourcesOf(RuleId target) {
    return sourcesByTarget.getOrDefault(target, Set.of());
  }

  /** {@code true} if a firing alert of this run silences {@code target}, {@code false} otherwise. */
  public boolean inhibited(RuleId target, RunState run) {
    for (RuleId source : sourcesOf(target)) {
      if (run.track(source.code()).firing()) {
        return true;
      }
    }
    return false;
  }
}
