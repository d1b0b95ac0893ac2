package io.trainwatch.monitor.alerting;

import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.run.RunState;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Which firing alerts silence which rules for the same run, as Alertmanager inhibition rules do:
 * once the loss is NaN, "the loss is diverging" or "the loss is negative" says nothing new. A
 * silenced rule is not evaluated at all, so it neither fires nor resolves until the silencing alert
 * resolves.
 */
public final class Inhibitions {

  private final Map<RuleId, Set<RuleId>> sourcesByTarget;

  /**
   * The same as arrays by the target's ordinal, in the sets' order: {@link #inhibited} runs for
   * every rule of every batch, and iterating the sets allocated two iterators each time.
   */
  private final RuleId[][] sourcesByOrdinal;

  /**
   * @param sourcesByTarget for each silenced rule, the rules whose firing alert silences it
   * @throws IllegalArgumentException if a rule would silence itself
   */
  public Inhibitions(Map<RuleId, Set<RuleId>> sourcesByTarget) {
    this.sourcesByTarget = new EnumMap<>(RuleId.class);
    sourcesByTarget.forEach(
        (target, sources) -> {
          if (sources.contains(target)) {
            throw new IllegalArgumentException(target + ": cannot inhibit itself");
          }
          this.sourcesByTarget.put(target, EnumSet.copyOf(sources));
        });
    RuleId[] ids = RuleId.values();
    sourcesByOrdinal = new RuleId[ids.length][];
    for (RuleId id : ids) {
      sourcesByOrdinal[id.ordinal()] = sourcesOf(id).toArray(new RuleId[0]);
    }
  }

  /** The built-in inhibitions (see docs/rules.md). */
  public static Inhibitions standard() {
    Map<RuleId, Set<RuleId>> m = new EnumMap<>(RuleId.class);
    // NaN makes every statement about the loss curve, gradients and predictions meaningless. A loss
    // on the wrong objective (raw logits into nll_loss runs to -1e25) drags gradients and
    // predictions along: those are symptoms too.
    m.put(RuleId.NEGATIVE_LOSS, EnumSet.of(RuleId.NONFINITE_LOSS));
    m.put(
        RuleId.EXPLODING_GRADIENT,
        EnumSet.of(RuleId.NONFINITE_LOSS, RuleId.NEGATIVE_LOSS, RuleId.UNNORMALIZED_INPUT));
    m.put(
        RuleId.VANISHING_GRADIENT,
        EnumSet.of(RuleId.NONFINITE_LOSS, RuleId.NEGATIVE_LOSS, RuleId.UNNORMALIZED_INPUT));
    m.put(
        RuleId.OUTPUT_COLLAPSE,
        EnumSet.of(RuleId.NONFINITE_LOSS, RuleId.NEGATIVE_LOSS, RuleId.UNNORMALIZED_INPUT));
    // A loss on the wrong objective (softmax into NLL) or on unscaled inputs: its curve is a
    // symptom, not news.
    m.put(
        RuleId.LOSS_AT_INIT,
        EnumSet.of(RuleId.NONFINITE_LOSS, RuleId.NEGATIVE_LOSS, RuleId.UNNORMALIZED_INPUT));
    m.put(
        RuleId.LOSS_DIVERGENCE,
        EnumSet.of(RuleId.NONFINITE_LOSS, RuleId.NEGATIVE_LOSS, RuleId.UNNORMALIZED_INPUT));
    // A spike that escalated to divergence is one incident: the error says it all.
    m.put(
        RuleId.LOSS_SPIKE,
        EnumSet.of(
            RuleId.NONFINITE_LOSS,
            RuleId.NEGATIVE_LOSS,
            RuleId.UNNORMALIZED_INPUT,
            RuleId.LOSS_DIVERGENCE));
    m.put(
        RuleId.LOSS_PLATEAU,
        EnumSet.of(RuleId.NONFINITE_LOSS, RuleId.NEGATIVE_LOSS, RuleId.UNNORMALIZED_INPUT));
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

  /**
   * {@code true} if a firing alert of this run silences {@code target}, {@code false} otherwise.
   */
  public boolean inhibited(RuleId target, RunState run) {
    for (RuleId source : sourcesByOrdinal[target.ordinal()]) {
      if (run.track(source.code()).firing()) {
        return true;
      }
    }
    return false;
  }
}
