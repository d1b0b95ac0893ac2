package io.trainwatch.monitor.rules;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The rule catalog, in evaluation order (rules that inhibit others first). */
public final class Rules {

  private static final List<Rule> ALL =
      List.of(
          new NonFiniteLossRule(),
          new NegativeLossRule(),
          new UnnormalizedInputRule(),
          new LossAtInitRule(),
          new LossDivergenceRule(),
          new LossPlateauRule(),
          new ExplodingGradientRule(),
          new VanishingGradientRule(),
          new OutputCollapseRule(),
          new StalledRunRule(),
          new CrashLoopRule());

  private static final Map<RuleId, Rule> BY_ID = new EnumMap<>(RuleId.class);

  static {
    for (Rule r : ALL) {
      BY_ID.put(r.id(), r);
    }
    for (RuleId id : RuleId.values()) {
      if (!BY_ID.containsKey(id)) {
        throw new IllegalStateException(id + ": declared in RuleId but has no rule");
      }
      if (ALL.get(id.ordinal()).id() != id) {
        throw new IllegalStateException(
            id + ": rules must be listed in RuleId order (the evaluation order)");
      }
    }
  }

  private Rules() {}

  /** Every rule, in evaluation order. */
  public static List<Rule> all() {
    return ALL;
  }

  /** The rule with this id. */
  public static Rule get(RuleId id) {
    return BY_ID.get(id);
  }
}
