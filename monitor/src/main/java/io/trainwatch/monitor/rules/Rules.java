package io.trainwatch.monitor.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The rule catalog: the per-run rules in evaluation order (rules that inhibit others first), then
 * the job- and fleet-level rules, which judge the ranks of a job and the hosts of a fleet.
 */
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
          new LossSpikeRule(),
          new LossScaleCollapseRule(),
          new CrashLoopRule());

  private static final StragglerRankRule STRAGGLER = new StragglerRankRule();
  private static final RankDivergenceRule DIVERGENCE = new RankDivergenceRule();
  private static final JobHangRule HANG = new JobHangRule();
  private static final SuspectNodeRule SUSPECT = new SuspectNodeRule();

  private static final List<RuleDefinition> FLEET = List.of(STRAGGLER, DIVERGENCE, HANG, SUSPECT);

  private static final List<RuleDefinition> DEFINITIONS;

  private static final Map<RuleId, RuleDefinition> BY_ID = new EnumMap<>(RuleId.class);

  static {
    List<RuleDefinition> all = new ArrayList<>(ALL);
    all.addAll(FLEET);
    DEFINITIONS = Collections.unmodifiableList(all);
    for (RuleDefinition r : DEFINITIONS) {
      BY_ID.put(r.id(), r);
    }
    for (RuleId id : RuleId.values()) {
      if (!BY_ID.containsKey(id)) {
        throw new IllegalStateException(id + ": declared in RuleId but has no rule");
      }
    }
    for (int i = 1; i < ALL.size(); i++) {
      if (ALL.get(i).id().ordinal() < ALL.get(i - 1).id().ordinal()) {
        throw new IllegalStateException(
            ALL.get(i).id() + ": rules must be listed in RuleId order (the evaluation order)");
      }
    }
  }

  private Rules() {}

  /** Every per-run rule, in evaluation order. */
  public static List<Rule> all() {
    return ALL;
  }

  /** The job- and fleet-level rules. */
  public static List<RuleDefinition> fleet() {
    return FLEET;
  }

  /** Every rule, per-run and fleet: what configuration, hints and docs cover. */
  public static List<RuleDefinition> definitions() {
    return DEFINITIONS;
  }

  /** The rule with this id. */
  public static RuleDefinition get(RuleId id) {
    return BY_ID.get(id);
  }

  /** {@code straggler_rank}. */
  public static StragglerRankRule straggler() {
    return STRAGGLER;
  }

  /** {@code rank_divergence}. */
  public static RankDivergenceRule divergence() {
    return DIVERGENCE;
  }

  /** {@code job_hang}. */
  public static JobHangRule hang() {
    return HANG;
  }

  /** {@code suspect_node}. */
  public static SuspectNodeRule suspectNode() {
    return SUSPECT;
  }
}
