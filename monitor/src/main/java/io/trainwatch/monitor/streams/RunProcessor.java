package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.actions.ActionPlanner;
import io.trainwatch.monitor.actions.AttemptSignal;
import io.trainwatch.monitor.actions.Recovery;
import io.trainwatch.monitor.alerting.AlertFactory;
import io.trainwatch.monitor.alerting.Emission;
import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.config.RuleConfig;
import io.trainwatch.monitor.job.JobSignal;
import io.trainwatch.monitor.job.RankIdentity;
import io.trainwatch.monitor.job.RankSample;
import io.trainwatch.monitor.run.RunHistoryCheck;
import io.trainwatch.monitor.run.RunInfo;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.RunTrace;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.CheckpointEvent;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Severity;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.schemas.util.RateLimitedLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-run state in, alerts out: loads the run's state, hands the event to the {@link RunEvaluator},
 * stores the state and forwards the alerts. An event that does not fit its run's history ({@link
 * RunHistoryCheck}), or of a new run beyond the instance's cap, is dead-lettered instead. A
 * wall-clock punctuation judges stalled runs and evicts runs that ended or went silent long ago.
 *
 * <p>The two children take different types (alerts, raw bytes), hence the {@code Object} output
 * types.
 */
final class RunProcessor extends ContextualProcessor<String, ReadEvent, Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger(RunProcessor.class);
  private static final long LOG_INTERVAL_MS = 60_000;

  private final MonitorConfig config;
  private final RunEvaluator evaluator;
  private final AlertFactory alerts;
  private final RunCounter counter;
  private final TopologyMetrics metrics;

  private ObjectCacheStore<RunState> states;
  private KeyValueStore<String, RunInfo> infos;
  private ClosedLoop loop;
  private ObjectCacheStore<RankIdentity> rankIds;
  private long localRuns;

  /** When this processor (i.e. this task on this instance) started watching its runs. */
  private long watchingSinceMs;

  private final RateLimitedLog rejections = RateLimitedLog.perInterval(LOG_INTERVAL_MS);

  RunProcessor(
      MonitorConfig config,
      RunEvaluator evaluator,
      AlertFactory alerts,
      RunCounter counter,
      TopologyMetrics metrics) {
    this.config = config;
    this.evaluator = evaluator;
    this.alerts = alerts;
    this.counter = counter;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    super.init(context);
    states = ObjectCacheStore.of(context.getStateStore(MonitorTopology.RUN_STATE_STORE));
    infos = context.getStateStore(MonitorTopology.RUN_INFO_STORE);
    loop =
        new ClosedLoop(
            config.actions(), context.getStateStore(MonitorTopology.RUN_CHECKPOINTS_STORE));
    rankIds = ObjectCacheStore.of(context.getStateStore(MonitorTopology.RUN_RANK_STORE));
    localRuns = states.approximateNumEntries();
    counter.addRestored(localRuns);
    watchingSinceMs = context.currentSystemTimeMs();
    context.schedule(
        config.wallClockInterval(), PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
  }

  @Override
  public void process(Record<String, ReadEvent> record) {
    try {
      processEvent(record);
    } catch (RuntimeException e) {
      // The run's state object may be half-changed: the next event reads the last one written.
      states.forget(record.key());
      throw e;
    }
  }

  private void processEvent(Record<String, ReadEvent> record) {
    String runId = record.key();
    TrainingEvent event = record.value().event();
    long now = context().currentSystemTimeMs();
    RunState state = states.cached(runId);
    if (event instanceof CheckpointEvent checkpoint) {
      if (state == null || state.ended()) {
        reject(
            record,
            "checkpoint: "
                + (state == null
                    ? "no such run here (run_started or a batch first)"
                    : "the run had ended"));
      } else {
        loop.remember(runId, checkpoint);
        signal(
            state.job(),
            AttemptSignal.checkpoint(
                runId, checkpoint.step(), checkpoint.location(), checkpoint.tsMs()));
      }
      return;
    }
    String rejection = RunHistoryCheck.rejection(state, event);
    if (rejection != null) {
      reject(record, rejection);
      return;
    }
    if (state == null) {
      if (!counter.tryAdd()) {
        reject(
            record,
            "run not monitored: this instance already tracks "
                + counter.current()
                + " runs (monitor.runs.max="
                + counter.max()
                + "); raise the cap or add instances");
        return;
      }
      localRuns++;
    }
    List<Emission> emissions;
    if (event instanceof RunStarted started) {
      state = onStarted(runId, state, started, now);
      emissions = List.of();
    } else if (event instanceof BatchEvent batch) {
      state = state == null ? new RunState() : state;
      emissions = evaluator.onBatch(state, batch, config.rules().forRun(state.profile()), now);
    } else {
      RunEnded ended = (RunEnded) event;
      emissions = evaluator.onRunEnded(state, ended, now);
      if (ended.status() == RunStatus.FAILED) {
        signal(
            state.job(),
            AttemptSignal.fault(runId, AttemptSignal.RUN_FAILED, state.lastStep(), ended.tsMs()));
      }
    }
    states.put(runId, state);
    toJob(runId, event);
    publish(runId, state, emissions, event instanceof BatchEvent batch ? batch : null);
  }

  /**
   * A rank of a distributed job tells its job what happened, through the job-signals topic keyed by
   * job: the job-level rules live in another sub-topology, partitioned by job.
   */
  private void toJob(String runId, TrainingEvent event) {
    RankIdentity id = rankIds.cached(runId);
    if (id == null) {
      return;
    }
    JobSignal signal;
    if (event instanceof RunStarted) {
      signal = new JobSignal(JobSignal.Kind.STARTED, runId, id, null, null);
    } else if (event instanceof BatchEvent b) {
      RankSample sample =
          RankSample.of(
              b.step(), b.tsMs(), b.stepMs(), b.dataMs(), b.computeMs(), b.loss(), b.gradNorm());
      signal = new JobSignal(JobSignal.Kind.BATCH, runId, id, sample, null);
    } else {
      boolean completed = ((RunEnded) event).status() == RunStatus.COMPLETED;
      signal =
          new JobSignal(
              completed ? JobSignal.Kind.COMPLETED : JobSignal.Kind.ENDED, runId, id, null, null);
    }
    forwardToJob(id, signal);
  }

  private void forwardToJob(RankIdentity id, JobSignal signal) {
    context()
        .forward(
            new Record<Object, Object>(id.job(), signal, context().currentSystemTimeMs()),
            MonitorTopology.JOB_SIGNALS_SINK);
  }

  private RunState onStarted(String runId, RunState state, RunStarted started, long now) {
    RuleConfig.Overrides overrides = RuleConfig.validate(started.rules());
    for (String warning : overrides.warnings()) {
      LOG.warn("Run {}: run_started {}", runId, warning);
    }
    RankIdentity id = RankIdentity.of(started);
    if (id == null) {
      rankIds.delete(runId);
    } else {
      rankIds.put(runId, id);
    }
    if (started.labels().isEmpty()) {
      infos.delete(runId);
    } else {
      infos.put(runId, new RunInfo(started.labels()));
    }
    if (started.attempt() != null) {
      signal(started.job(), AttemptSignal.started(runId, started.attempt(), started.tsMs()));
    }
    return RunState.started(state, RunProfile.of(started, overrides.valid()), started.tsMs(), now);
  }

  private void onWallClock(long now) {
    List<KeyValue<String, RunState>> expired = new ArrayList<>();
    List<KeyValue<String, RunState>> changed = new ArrayList<>();
    try (KeyValueIterator<String, RunState> it = states.all()) {
      while (it.hasNext()) {
        KeyValue<String, RunState> kv = it.next();
        if (expired(kv.value, now)) {
          expired.add(kv);
          continue;
        }
        try {
          RunEvaluator.WallClockResult r =
              evaluator.onWallClock(
                  kv.value, now, watchingSinceMs, config.rules().forRun(kv.value.profile()));
          if (r.changed()) {
            changed.add(kv);
            publish(kv.key, kv.value, r.emissions(), null);
          }
        } catch (RuntimeException e) {
          LOG.error("Run {}: wall-clock check failed, will retry at the next check", kv.key, e);
        }
      }
    }
    // Written after the scan: a store is not modified under its own iterator.
    for (KeyValue<String, RunState> kv : changed) {
      states.put(kv.key, kv.value);
    }
    for (KeyValue<String, RunState> kv : expired) {
      try {
        evict(kv.key, kv.value, now);
      } catch (RuntimeException e) {
        LOG.error("Run {}: eviction failed, will retry at the next check", kv.key, e);
      }
    }
  }

  private boolean expired(RunState s, long now) {
    if (s.ended()) {
      return now - s.endedWallMs() >= config.endedRunRetention().toMillis();
    }
    return now - s.lastEventWallMs() >= config.idleRunRetention().toMillis();
  }

  private void evict(String runId, RunState state, long now) {
    if (!state.ended()) {
      long idleSeconds = (now - state.lastEventWallMs()) / 1000;
      publish(runId, state, evaluator.onEvicted(state, now, idleSeconds), null);
      LOG.info("Run {}: forgotten after {} s without events", runId, idleSeconds);
    }
    states.delete(runId);
    infos.delete(runId);
    loop.forget(runId);
    context().forward(new Record<>(runId, null, now), MonitorTopology.TRACE);
    rankIds.delete(runId);
    localRuns--;
    counter.remove(1);
  }

  /**
   * Publishes the alerts of {@code emissions} and tells the run tracer about them and about {@code
   * batch} (the accepted batch that decided them, or {@code null}).
   */
  private void publish(String runId, RunState state, List<Emission> emissions, BatchEvent batch) {
    List<Alert> published = emissions.isEmpty() ? List.of() : new ArrayList<>(emissions.size());
    RunInfo info = emissions.isEmpty() ? null : infos.get(runId);
    RankIdentity id = emissions.isEmpty() ? null : rankIds.cached(runId);
    for (Emission e : emissions) {
      if (e.firing() && e.rule().severity().atLeast(Severity.ERROR)) {
        signal(
            state.job(),
            AttemptSignal.fault(runId, e.rule().id(), e.step() == null ? -1 : e.step(), e.atMs()));
      }
      Optional<Recovery.Advice> advice = loop.advice(runId, state, e);
      Emission emission = advice.map(a -> ClosedLoop.withEvidence(e, a)).orElse(e);
      Alert alert = alerts.toAlert(runId, state, info == null ? RunInfo.EMPTY : info, emission);
      if (advice.isPresent()) {
        alert = loop.withHint(alert, advice.get(), state.framework());
      }
      ActionPlanner.Plan plan = loop.plan(alert, advice, e.atMs());
      if (!plan.audit().isEmpty()) {
        alert = alert.withActions(plan.audit());
      }
      long now = context().currentSystemTimeMs();
      // Record time is processing time: the broker refuses records stamped over an hour ahead
      // (log.message.timestamp.after.max.ms) and deletes those older than retention, and an event's
      // ts_ms can be
      // anything a trainer's clock says. The alert itself carries the event times.
      published.add(alert);
      if (id != null) {
        // A rank of a distributed job: its job groups the ranks' alerts into one page.
        forwardToJob(
            id, new JobSignal(JobSignal.Kind.ALERT, runId, id, null, AlertCodec.encode(alert)));
      } else {
        context().forward(new Record<>(alert.alertId(), alert, now), MonitorTopology.ALERTS_SINK);
        metrics.alertEmitted(alert, Math.max(0, now - e.atMs()));
        LOG.info(
            "{} {} rev {}: {}",
            alert.status().wire(),
            alert.alertId(),
            alert.revision(),
            alert.summary());
      }
      // Same task, same transaction as the alert: never one without the other, never twice.
      ClosedLoop.write(context(), plan, MonitorTopology.CONTROL_SINK, LOG);
    }
    long index = batch == null ? -1 : state.batches() - 1;
    // The tracer reads and writes only for the batches its trace keeps and for alerts: the other
    // batches are not forwarded at all (a forward costs the stream thread as much as a rule).
    if ((batch != null && RunTrace.keeps(index)) || !published.isEmpty()) {
      context()
          .forward(
              new Record<>(
                  runId, new TraceInput(index, batch, published), context().currentSystemTimeMs()),
              MonitorTopology.TRACE);
    }
  }

  /** Tells the crash-loop guard of the run's job (runs without a job are not guarded). */
  private void signal(String job, AttemptSignal signal) {
    if (job != null) {
      context()
          .forward(
              new Record<Object, Object>(job, signal, context().currentSystemTimeMs()),
              MonitorTopology.ATTEMPTS_SINK);
    }
  }

  private void reject(Record<String, ReadEvent> record, String reason) {
    ReadEvent read = record.value();
    var headers = DeadLetters.headers(context(), record.headers(), "run", reason);
    context()
        .forward(
            new Record<Object, Object>(read.key(), read.value(), record.timestamp(), headers),
            MonitorTopology.DLQ_SINK);
    metrics.deadLettered("run", reason);
    rejections.occurred(
        context().currentSystemTimeMs(),
        (n, unlogged) ->
            LOG.warn(
                "Rejected {} (run {}) to {}: {}{}",
                DeadLetters.source(context()),
                record.key(),
                config.dlqTopic(),
                reason,
                RateLimitedLog.andMore(unlogged)));
  }

  @Override
  public void close() {
    counter.remove(localRuns);
    localRuns = 0;
  }
}
