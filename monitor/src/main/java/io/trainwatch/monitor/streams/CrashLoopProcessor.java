package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.actions.ActionPlanner;
import io.trainwatch.monitor.actions.AttemptSignal;
import io.trainwatch.monitor.actions.CrashLoopGuard;
import io.trainwatch.monitor.actions.JobAttempts;
import io.trainwatch.monitor.alerting.AlertFactory;
import io.trainwatch.monitor.alerting.HintCatalog;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.rules.CrashLoopRule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RuleSettings;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertAction;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.CommandType;
import io.trainwatch.schemas.ControlCommand;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-loop guard in the topology: job-keyed {@link AttemptSignal}s in ({@link
 * MonitorTopology#ATTEMPTS_SOURCE}), the job's {@link JobAttempts} in {@link
 * MonitorTopology#JOB_ATTEMPTS_STORE}, the {@code crash_loop} alert and its {@code stop} commands
 * out, in the same task and hence the same transaction. The logic is {@link CrashLoopGuard}'s.
 */
final class CrashLoopProcessor extends ContextualProcessor<String, AttemptSignal, Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger(CrashLoopProcessor.class);

  /** The policy name crash-loop stops carry in alerts' audits. */
  static final String POLICY = "crash_loop";

  private final MonitorConfig config;
  private final HintCatalog hints;
  private final TopologyMetrics metrics;
  private KeyValueStore<String, JobAttempts> jobs;

  CrashLoopProcessor(MonitorConfig config, HintCatalog hints, TopologyMetrics metrics) {
    this.config = config;
    this.hints = hints;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    super.init(context);
    jobs = context.getStateStore(MonitorTopology.JOB_ATTEMPTS_STORE);
  }

  @Override
  public void process(Record<String, AttemptSignal> record) {
    String job = record.key();
    RuleSettings settings = config.rules().forJob(job).get(RuleId.CRASH_LOOP);
    if (!settings.enabled() || record.value() == null) {
      return;
    }
    JobAttempts before = jobs.get(job);
    CrashLoopGuard.Outcome out =
        CrashLoopGuard.apply(
            before == null ? JobAttempts.NEW : before,
            record.value(),
            (int) settings.integer(CrashLoopRule.ATTEMPTS));
    if (!out.state().equals(before)) {
      jobs.put(job, out.state());
    }
    boolean stop = settings.flag(CrashLoopRule.STOP);
    boolean dry = config.actions().dryRun();
    String alertId = AlertFactory.alertId(job, RuleId.CRASH_LOOP.id());
    String eventId = AlertFactory.eventId(alertId, out.state().revision());
    List<AlertAction> audit = new ArrayList<>();
    List<ControlCommand> commands = new ArrayList<>();
    String summary = null;
    if (out.emission().isPresent()) {
      CrashLoopGuard.Emission e = out.emission().get();
      Map<String, Object> values = new LinkedHashMap<>(e.evidence());
      values.put("job", job);
      values.put("run_id", e.runId());
      values.put(
          "stop_verb",
          !stop
              ? "not stopped (rules.crash_loop.stop=false)"
              : dry ? "would be told to stop (dry run)" : "told to stop");
      String title = hints.title(RuleId.CRASH_LOOP, CrashLoopRule.SAME_FAULT_NO_PROGRESS);
      summary =
          e.firing()
              ? job
                  + ": crash_loop: "
                  + hints.summary(RuleId.CRASH_LOOP, CrashLoopRule.SAME_FAULT_NO_PROGRESS, values)
                  + " ("
                  + title
                  + ")"
              : job
                  + ": crash_loop resolved, attempt "
                  + e.evidence().get("attempt")
                  + " is not repeating the fault without progress ("
                  + title
                  + ")";
      Alert alert =
          new Alert(
              alertId,
              eventId,
              e.revision(),
              e.firing() ? AlertStatus.FIRING : AlertStatus.RESOLVED,
              RuleId.CRASH_LOOP.id(),
              RuleId.CRASH_LOOP.severity(),
              e.runId(),
              job,
              summary,
              e.firing()
                  ? hints.hint(
                      RuleId.CRASH_LOOP, CrashLoopRule.SAME_FAULT_NO_PROGRESS, null, values)
                  : "",
              CrashLoopRule.SAME_FAULT_NO_PROGRESS,
              e.evidence(),
              null,
              Instant.ofEpochMilli(e.startsAtMs()),
              e.firing() ? null : Instant.ofEpochMilli(e.atMs()),
              Map.of());
      if (e.firing() && stop) {
        for (String runId : out.stop()) {
          String id = dry ? null : ActionPlanner.commandId(eventId, CommandType.STOP, runId);
          audit.add(new AlertAction("stop", runId, POLICY, dry, id, null, null));
          if (!dry) {
            commands.add(command(id, runId, job, alertId, eventId, summary, record.value().tsMs()));
          }
        }
      }
      Alert published = audit.isEmpty() ? alert : alert.withActions(audit);
      long now = context().currentSystemTimeMs();
      context()
          .forward(
              new Record<Object, Object>(alertId, published, now),
              MonitorTopology.CRASH_LOOP_ALERTS_SINK);
      metrics.alertEmitted(published, Math.max(0, now - e.atMs()));
      LOG.info("{} {} rev {}: {}", published.status().wire(), alertId, e.revision(), summary);
      published.actionLines().forEach(l -> LOG.info("{}", l));
    } else if (stop && !out.stop().isEmpty() && out.state().looping()) {
      // A further run of an attempt already told to stop: the incident's alert exists.
      for (String runId : out.stop()) {
        if (dry) {
          LOG.info(
              "dry run: trainwatch would have stopped run {} ({} of job {})", runId, alertId, job);
          continue;
        }
        commands.add(
            command(
                ActionPlanner.commandId(eventId, CommandType.STOP, runId),
                runId,
                job,
                alertId,
                eventId,
                job + ": crash_loop: attempt " + out.state().attempt() + " is in a crash loop",
                record.value().tsMs()));
      }
    }
    for (ControlCommand c : commands) {
      context()
          .forward(
              new Record<Object, Object>(c.runId(), c, context().currentSystemTimeMs()),
              MonitorTopology.CRASH_LOOP_CONTROL_SINK);
      LOG.info("stop {}: {} (crash loop of job {})", c.runId(), c.commandId(), job);
    }
  }

  private static ControlCommand command(
      String id, String runId, String job, String alertId, String eventId, String reason, long ts) {
    return new ControlCommand(
        id,
        CommandType.STOP,
        runId,
        job,
        alertId,
        eventId,
        "crash_loop",
        reason,
        null,
        null,
        null,
        ts);
  }
}
