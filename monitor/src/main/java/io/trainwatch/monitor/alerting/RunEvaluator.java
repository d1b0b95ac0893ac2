package io.trainwatch.monitor.alerting;

import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.LossDivergenceRule;
import io.trainwatch.monitor.rules.Rule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RuleSettings;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.monitor.rules.TimedRule;
import io.trainwatch.monitor.run.AlertTrack;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.ScalerHistory;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.RunEnded;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs the rules and their alert lifecycles over one run's events: the whole monitoring logic of a
 * run, without Kafka. Deterministic: the same state and events give the same emissions, which
 * exactly-once replays rely on.
 */
public final class RunEvaluator {

  /**
   * Rules whose firing alert means the loss is not a training curve (NaN, or on the wrong
   * objective): while one fires, the loss stays out of the run's loss history, and when it resolves
   * the history is re-baselined, so that the incident itself never looks like divergence or
   * progress afterwards.
   */
  static final Set<RuleId> LOSS_INVALIDATING =
      EnumSet.of(RuleId.NONFINITE_LOSS, RuleId.NEGATIVE_LOSS);

  private final List<Rule> rules;

  /**
   * Each rule's id, at the rule's index in {@link #rules}: looked up once, not through the rule's
   * spec for every rule of every batch.
   */
  private final RuleId[] ids;

  private final Inhibitions inhibitions;

  /**
   * @param rules in evaluation order: a rule that silences others must come before them
   */
  public RunEvaluator(List<Rule> rules, Inhibitions inhibitions) {
    this.rules = List.copyOf(rules);
    this.ids = this.rules.stream().map(Rule::id).toArray(RuleId[]::new);
    this.inhibitions = inhibitions;
  }

  /** Every built-in rule with the built-in inhibitions. */
  public static RunEvaluator standard() {
    return new RunEvaluator(Rules.all(), Inhibitions.standard());
  }

  /**
   * Judges a batch against the run's history, advances every alert, then adds the batch to the
   * history.
   *
   * @param wallMs processing time, remembered for stall detection and eviction
   * @return the records to publish, in rule order
   */
  public List<Emission> onBatch(RunState run, BatchEvent batch, RunSettings settings, long wallMs) {
    List<Emission> out = new ArrayList<>(2);
    boolean skipped = ScalerHistory.skippedByScaler(batch);
    Long step = batch.step(); // boxed once, not once per rule
    for (int i = 0; i < ids.length; i++) {
      Rule rule = rules.get(i);
      RuleId id = ids[i];
      RuleSettings s = settings.get(id);
      if (!s.enabled()
          || (skipped && !rule.judgesSkippedSteps())
          || inhibitions.inhibited(id, run)
          || !rule.appliesTo(run, batch, s)) {
        continue;
      }
      Optional<Finding> finding = rule.evaluate(run, batch, s);
      AlertLifecycle.Step st =
          AlertLifecycle.evaluate(rule, run.track(id.code()), finding, s, batch.tsMs(), step);
      run.setTrack(id.code(), st.track());
      st.emission().ifPresent(out::add);
    }
    boolean lossIsACurve = true;
    for (RuleId r : LOSS_INVALIDATING) {
      lossIsACurve &= !run.track(r.code()).firing();
    }
    if (inhibitions.inhibited(RuleId.LOSS_DIVERGENCE, run)) {
      // Another alert explains the loss (NaN, the wrong objective, unscaled inputs): no excursion
      // runs meanwhile, and once it resolves the loss is judged afresh against its band then.
      run.excursion().reset();
    } else if (lossIsACurve && !skipped) {
      run.excursion().observe(batch.step(), batch.loss());
    }
    run.observe(batch, wallMs, lossIsACurve);
    if (resolvesALossInvalidatingAlert(out)) {
      run.loss().rebaseline();
      run.excursion().reset();
    }
    // The band the next batch is judged against, from the history that now includes this one.
    run.excursion()
        .rebase(LossDivergenceRule.band(run.loss(), settings.get(RuleId.LOSS_DIVERGENCE)));
    return out;
  }

  private static boolean resolvesALossInvalidatingAlert(List<Emission> emissions) {
    for (Emission e : emissions) {
      if (!e.firing() && LOSS_INVALIDATING.contains(e.rule())) {
        return true;
      }
    }
    return false;
  }

  /** What a wall-clock check did to a run. */
  public record WallClockResult(List<Emission> emissions, boolean changed) {

    static final WallClockResult NOTHING = new WallClockResult(List.of(), false);
  }

  /**
   * A wall-clock check of a live run: the time-based rules (stalled runs) are judged. Ended runs
   * are not judged.
   *
   * @param nowMs wall-clock time of the check
   * @param watchingSinceMs when this instance started watching the run (see {@link
   *     TimedRule#evaluateAt})
   * @return the records to publish, and whether the run's state changed (and must be stored)
   */
  public WallClockResult onWallClock(
      RunState run, long nowMs, long watchingSinceMs, RunSettings settings) {
    if (run.ended()) {
      return WallClockResult.NOTHING;
    }
    List<Emission> out = new ArrayList<>(0);
    boolean changed = false;
    Long step = run.lastStep() < 0 ? null : run.lastStep();
    for (Rule rule : rules) {
      RuleSettings s = settings.get(rule.id());
      if (!(rule instanceof TimedRule timed)
          || !s.enabled()
          || inhibitions.inhibited(rule.id(), run)) {
        continue;
      }
      AlertTrack before = run.track(rule.id().code());
      Optional<Finding> finding = timed.evaluateAt(run, nowMs, watchingSinceMs, s);
      AlertLifecycle.Step st = AlertLifecycle.evaluate(rule, before, finding, s, nowMs, step);
      changed |= !st.track().equals(before);
      advance(run, rule, st, out);
    }
    return changed ? new WallClockResult(out, true) : WallClockResult.NOTHING;
  }

  /** The run ended: every open alert resolves. */
  public List<Emission> onRunEnded(RunState run, RunEnded ended, long wallMs) {
    List<Emission> out =
        closeAll(
            run,
            ended.tsMs(),
            AlertLifecycle.RUN_ENDED,
            Map.of("run_status", ended.status().wire()));
    run.end(ended.tsMs(), wallMs);
    return out;
  }

  /**
   * The run is being forgotten (idle too long): every open alert resolves, so that no incident
   * stays open downstream forever.
   *
   * @param nowMs wall-clock time of the eviction
   * @param idleSeconds how long the run had been silent
   */
  public List<Emission> onEvicted(RunState run, long nowMs, long idleSeconds) {
    return closeAll(run, nowMs, AlertLifecycle.EVICTED, Map.of("idle_seconds", idleSeconds));
  }

  private List<Emission> closeAll(
      RunState run, long tsMs, String reason, Map<String, Object> evidence) {
    List<Emission> out = new ArrayList<>(0);
    Long step = run.lastStep() < 0 ? null : run.lastStep();
    for (Rule rule : rules) {
      AlertTrack track = run.track(rule.id().code());
      advance(run, rule, AlertLifecycle.close(rule, track, tsMs, step, reason, evidence), out);
    }
    return out;
  }

  private static void advance(
      RunState run, Rule rule, AlertLifecycle.Step step, List<Emission> out) {
    run.setTrack(rule.id().code(), step.track());
    step.emission().ifPresent(out::add);
  }
}
