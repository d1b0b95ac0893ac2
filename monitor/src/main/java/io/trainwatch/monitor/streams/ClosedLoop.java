package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.actions.ActionPlanner;
import io.trainwatch.monitor.actions.CheckpointHistory;
import io.trainwatch.monitor.actions.Recovery;
import io.trainwatch.monitor.alerting.Emission;
import io.trainwatch.monitor.config.ActionConfig;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.TimedRule;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.CheckpointEvent;
import io.trainwatch.schemas.ControlCommand;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;

/**
 * The per-run half of closing the loop, for {@link RunProcessor}: remembers each run's recent
 * checkpoints ({@link MonitorTopology#RUN_CHECKPOINTS_STORE}), names the last good one in the
 * alerts of rules where restarting is the fix ({@link Recovery}), and plans the commands of the
 * alert's policies ({@link ActionPlanner}). The caller writes the alert and its commands in the
 * same task, hence the same transaction.
 */
final class ClosedLoop {

  private final ActionConfig config;
  private final KeyValueStore<String, CheckpointHistory> checkpoints;
  private final Recovery recovery = Recovery.standard();

  ClosedLoop(ActionConfig config, KeyValueStore<String, CheckpointHistory> checkpoints) {
    this.config = config;
    this.checkpoints = checkpoints;
  }

  /** Remembers a checkpoint of a run. */
  void remember(String runId, CheckpointEvent c) {
    CheckpointHistory h = checkpoints.get(runId);
    checkpoints.put(
        runId, (h == null ? CheckpointHistory.EMPTY : h).add(c, config.checkpointsPerRun()));
  }

  /** Forgets a run's checkpoints (the run is evicted, or starts over). */
  void forget(String runId) {
    checkpoints.delete(runId);
  }

  /** The run's checkpoints. */
  CheckpointHistory history(String runId) {
    CheckpointHistory h = checkpoints.get(runId);
    return h == null ? CheckpointHistory.EMPTY : h;
  }

  /** The recovery advice for a firing emission of a rule where restarting is the fix, or empty. */
  Optional<Recovery.Advice> advice(String runId, RunState run, Emission e) {
    if (!e.firing() || !config.restartRules().contains(e.rule().id())) {
      return Optional.empty();
    }
    boolean hang = Rules.get(e.rule()) instanceof TimedRule;
    long last = e.step() != null ? e.step() : Math.max(run.lastStep(), 0);
    long onset = hang ? last + 1 : Math.max(0, last - Math.max(e.batches(), 1) + 1);
    // A rule that tracks its incident knows its onset better than the pending period does
    // (loss_divergence fires 30 batches after a spike began).
    if (!hang && e.evidence().get("onset_step") instanceof Number known) {
      onset = Math.min(onset, known.longValue());
    }
    return Optional.of(Recovery.advise(history(runId), onset, last, hang));
  }

  /** The emission with the advice's evidence added. */
  static Emission withEvidence(Emission e, Recovery.Advice advice) {
    Map<String, Object> evidence = new LinkedHashMap<>(e.evidence());
    evidence.putAll(advice.evidence());
    return new Emission(
        e.rule(),
        e.status(),
        e.revision(),
        e.diagnosis(),
        e.finding(),
        evidence,
        e.startsAtMs(),
        e.atMs(),
        e.step(),
        e.batches(),
        e.resolution());
  }

  /** The alert with the advice appended to its hint, in the run's framework's words. */
  Alert withHint(Alert a, Recovery.Advice advice, String framework) {
    String text = recovery.text(advice, framework);
    String hint = a.hint().isEmpty() ? text : a.hint() + "\n" + text;
    return new Alert(
        a.alertId(),
        a.eventId(),
        a.revision(),
        a.status(),
        a.rule(),
        a.severity(),
        a.runId(),
        a.job(),
        a.summary(),
        hint,
        a.diagnosis(),
        a.evidence(),
        a.step(),
        a.startsAt(),
        a.endsAt(),
        a.labels(),
        a.actions());
  }

  /** What the policies ask about this alert. */
  ActionPlanner.Plan plan(Alert alert, Optional<Recovery.Advice> advice, long tsMs) {
    return ActionPlanner.plan(config, alert, advice.flatMap(Recovery.Advice::lastGood), tsMs);
  }

  ActionConfig config() {
    return config;
  }

  /**
   * A job- or host-level alert through the action policies, as a run's alert goes through them:
   * every command a matching policy asks is asked of each of {@code runIds} (a distributed job's
   * ranks cannot go on without each other; a suspect host's runs are the ones on it). There is no
   * checkpoint to name, so {@code pin_checkpoint} is left out (said in the notes). The alert
   * carries the audit; {@link #write} writes the commands.
   *
   * @param tsMs event time of the emission (the commands' {@code ts_ms})
   */
  static Planned plan(ActionConfig config, Alert alert, List<String> runIds, long tsMs) {
    ActionPlanner.Plan plan = ActionPlanner.plan(config, alert, runIds, Optional.empty(), tsMs);
    return new Planned(plan.audit().isEmpty() ? alert : alert.withActions(plan.audit()), plan);
  }

  /** An alert with its policies' audit, and the plan whose commands go with it. */
  record Planned(Alert alert, ActionPlanner.Plan plan) {}

  /**
   * Writes a plan's commands to {@code controlSink}, keyed by run id, in the caller's task and
   * hence in the transaction of the alert they go with; logs them and the plan's notes.
   */
  static void write(
      ProcessorContext<Object, Object> context,
      ActionPlanner.Plan plan,
      String controlSink,
      Logger log) {
    for (ControlCommand c : plan.commands()) {
      context.forward(
          new Record<Object, Object>(c.runId(), c, context.currentSystemTimeMs()), controlSink);
      log.info("{} {}: {}", c.command().wire(), c.runId(), c.commandId());
    }
    plan.notes().forEach(n -> log.info("{}", n));
  }
}
