package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.actions.ActionPlanner;
import io.trainwatch.monitor.alerting.JobAlertFactory;
import io.trainwatch.monitor.alerting.JobEmission;
import io.trainwatch.monitor.alerting.JobEvaluator;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.fleet.Implication;
import io.trainwatch.monitor.job.JobSignal;
import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankIdentity;
import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.job.StepLookup;
import io.trainwatch.monitor.job.StepStats;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.util.RateLimitedLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job state in, job-level alerts out. Reads the job-signals topic (each rank's reports, re-keyed by
 * job), keeps three bounded stores (the job's summary, one record per rank, one per recent step),
 * hands each report to the {@link JobEvaluator} and publishes what it decides. Faults that point at
 * a host go on to the host-signals topic. A punctuation publishes grouped alerts after their
 * group_wait, judges what waited for late ranks, looks for hangs on the wall clock, and forgets
 * idle jobs.
 */
final class JobProcessor extends ContextualProcessor<String, JobSignal, Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger(JobProcessor.class);

  /** Separates the job from the rank or step in store keys. */
  static final char SEP = '\u0000';

  /** Rules whose firing alert implicates the rank's host. */
  private static final Set<RuleId> IMPLICATING =
      Set.of(RuleId.STRAGGLER_RANK, RuleId.RANK_DIVERGENCE, RuleId.JOB_HANG);

  private final MonitorConfig config;
  private final JobEvaluator evaluator;
  private final JobAlertFactory alerts;
  private final TopologyMetrics metrics;
  private final RateLimitedLog stale = RateLimitedLog.perInterval(60_000);

  private ObjectCacheStore<JobState> jobs;
  private ObjectCacheStore<RankState> ranks;
  private ObjectCacheStore<StepStats> steps;
  private long watchingSinceMs;
  private long lastSweepMs;

  JobProcessor(
      MonitorConfig config,
      JobEvaluator evaluator,
      JobAlertFactory alerts,
      TopologyMetrics metrics) {
    this.config = config;
    this.evaluator = evaluator;
    this.alerts = alerts;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    super.init(context);
    jobs = ObjectCacheStore.of(context.getStateStore(MonitorTopology.JOB_STATE_STORE));
    ranks = ObjectCacheStore.of(context.getStateStore(MonitorTopology.JOB_RANKS_STORE));
    steps = ObjectCacheStore.of(context.getStateStore(MonitorTopology.JOB_STEPS_STORE));
    watchingSinceMs = context.currentSystemTimeMs();
    lastSweepMs = watchingSinceMs;
    long tickMs = config.wallClockInterval().toMillis();
    long waitMs = config.jobs().groupWait().toMillis();
    if (waitMs > 0) {
      tickMs = Math.max(1000, Math.min(tickMs, waitMs));
    }
    context.schedule(
        java.time.Duration.ofMillis(tickMs), PunctuationType.WALL_CLOCK_TIME, this::onTick);
  }

  static String rankKey(String job, int rank) {
    return job + SEP + String.format("%010d", rank);
  }

  static String stepKey(String job, long step) {
    return job + SEP + String.format("%019d", step);
  }

  @Override
  public void process(Record<String, JobSignal> record) {
    try {
      processSignal(record);
    } catch (RuntimeException e) {
      // Objects of the job, its ranks and steps may be half-changed: the next signals read the
      // values last written.
      jobs.forgetAll();
      ranks.forgetAll();
      steps.forgetAll();
      throw e;
    }
  }

  private void processSignal(Record<String, JobSignal> record) {
    String job = record.key();
    JobSignal signal = record.value();
    RankIdentity id = signal.rank();
    long now = context().currentSystemTimeMs();
    JobState state = jobs.cached(job);
    if (state == null) {
      state = new JobState();
    } else if (id.attempt() < state.attempt()) {
      int current = state.attempt();
      stale.occurred(
          now,
          (n, unlogged) ->
              LOG.info(
                  "Job {}: ignored a report of attempt {} (the job is at attempt {}){}",
                  job,
                  id.attempt(),
                  current,
                  RateLimitedLog.andMore(unlogged)));
      return;
    } else if (state.isNewerAttempt(id.attempt())) {
      ranks.writePendingNow(); // the scan reads the store alone
      publish(state, evaluator.onRestart(job, state, ranksOf(job), now, id.attempt()), now);
      forgetRanksAndSteps(job);
      state = state.restart(id.attempt());
      LOG.info(
          "Job {}: attempt {} started, the previous attempt's ranks are forgotten",
          job,
          id.attempt());
    }
    String key = rankKey(job, id.rank());
    RankState rank = ranks.cached(key);
    RunSettings settings = config.rules().forJob(job);
    List<JobEmission> out;
    switch (signal.kind()) {
      case STARTED:
        if (rank != null && rank.ended()) {
          state.rankRestarted();
        }
        state.learn(id.attempt(), id.worldSize(), id.rank(), id.framework(), rank == null);
        rank = new RankState(signal.runId(), id.rank(), id.host(), id.device());
        out = List.of();
        break;
      case BATCH:
        if (rank == null) {
          state.learn(id.attempt(), id.worldSize(), id.rank(), id.framework(), true);
          rank = new RankState(signal.runId(), id.rank(), id.host(), id.device());
        }
        out = evaluator.onBatch(job, state, rank, signal.sample(), lookup(job), settings, now);
        break;
      case ENDED:
      case COMPLETED:
        if (rank == null) {
          return;
        }
        out =
            evaluator.onRankEnded(
                job,
                state,
                rank,
                record.timestamp(),
                now,
                signal.kind() == JobSignal.Kind.COMPLETED);
        break;
      default:
        out = evaluator.onRankAlert(job, state, id, signal.alert(), now);
        if (config.jobs().groupWait().isZero()) {
          out = new ArrayList<>(out);
          out.addAll(evaluator.flushGroups(job, state, now, 0));
        }
        break;
    }
    if (rank != null) {
      ranks.put(key, rank);
    }
    jobs.put(job, state);
    publish(state, out, now);
  }

  private StepLookup lookup(String job) {
    return new StepLookup() {
      @Override
      public StepStats get(long step) {
        return steps.cached(stepKey(job, step));
      }

      @Override
      public void put(long step, StepStats stats) {
        steps.put(stepKey(job, step), stats);
      }
    };
  }

  private void onTick(long now) {
    // The scans below read the stores alone: this tick's writes so far go to them first.
    ranks.writePendingNow();
    steps.writePendingNow();
    boolean sweep = now - lastSweepMs >= config.wallClockInterval().toMillis();
    if (sweep) {
      lastSweepMs = now;
    }
    List<KeyValue<String, JobState>> all = new ArrayList<>();
    try (KeyValueIterator<String, JobState> it = jobs.all()) {
      while (it.hasNext()) {
        all.add(it.next());
      }
    }
    for (KeyValue<String, JobState> kv : all) {
      try {
        tick(kv.key, kv.value, now, sweep);
      } catch (RuntimeException e) {
        LOG.error("Job {}: wall-clock check failed, will retry at the next check", kv.key, e);
      }
    }
  }

  private void tick(String job, JobState state, long now, boolean sweep) {
    List<JobEmission> out =
        new ArrayList<>(
            evaluator.flushGroups(job, state, now, config.jobs().groupWait().toMillis()));
    boolean changed = !out.isEmpty();
    if (sweep) {
      if (now - Math.max(state.lastEventWallMs(), watchingSinceMs)
          >= config.jobs().idleRetention().toMillis()) {
        evict(job, state, now);
        return;
      }
      RunSettings settings = config.rules().forJob(job);
      List<RankState> rankStates = ranksOf(job);
      StepLookup lookup = lookup(job);
      for (RankState r : rankStates) {
        if (!r.pending().isEmpty()) {
          List<JobEmission> judged = new ArrayList<>(0);
          if (evaluator.judge(job, state, r, lookup, settings, judged)) {
            ranks.put(rankKey(job, r.rank()), r);
          }
          out.addAll(judged);
        }
      }
      var hangBefore = state.hang();
      out.addAll(
          evaluator.onWallClock(job, state, () -> rankStates, now, watchingSinceMs, settings));
      changed |= !state.hang().equals(hangBefore);
      forgetOldSteps(job, state);
    }
    if (changed || !out.isEmpty()) {
      jobs.put(job, state);
    }
    publish(state, out, now);
  }

  private List<RankState> ranksOf(String job) {
    List<RankState> out = new ArrayList<>();
    try (KeyValueIterator<String, RankState> it =
        ranks.prefixScan(job + SEP, new StringSerializer())) {
      while (it.hasNext()) {
        out.add(it.next().value);
      }
    }
    return out;
  }

  private void forgetOldSteps(String job, JobState state) {
    long below = state.maxStep() - JobEvaluator.STEP_RETENTION;
    if (below <= 0) {
      return;
    }
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, StepStats> it =
        steps.range(stepKey(job, 0), stepKey(job, below - 1))) {
      while (it.hasNext()) {
        old.add(it.next().key);
      }
    }
    old.forEach(steps::delete);
  }

  private void forgetRanksAndSteps(String job) {
    ranks.writePendingNow();
    steps.writePendingNow();
    for (ObjectCacheStore<?> store : List.of(ranks, steps)) {
      List<String> keys = new ArrayList<>();
      try (KeyValueIterator<String, ?> it = store.prefixScan(job + SEP, new StringSerializer())) {
        while (it.hasNext()) {
          keys.add(it.next().key);
        }
      }
      keys.forEach(store::delete);
    }
  }

  private void evict(String job, JobState state, long now) {
    publish(state, evaluator.onEvicted(job, state, ranksOf(job), now), now);
    forgetRanksAndSteps(job);
    jobs.delete(job);
    LOG.info(
        "Job {}: forgotten after {} s without events", job, (now - state.lastEventWallMs()) / 1000);
  }

  private void publish(JobState state, List<JobEmission> emissions, long now) {
    List<String> runIds = null;
    for (JobEmission j : emissions) {
      Alert alert = alerts.toAlert(j, state.framework());
      ActionPlanner.Plan plan = ActionPlanner.Plan.NOTHING;
      if (j.first() == null
          && alert.firing()
          && !config.actions().matching(alert.rule(), alert.severity(), alert.job()).isEmpty()) {
        // A job rule's alert: its policies act on the whole job, every rank. (A grouped page's
        // commands were planned with each rank's own alert.)
        if (runIds == null) {
          ranks.writePendingNow(); // the scan reads the store alone
          runIds = ranksOf(j.job()).stream().map(RankState::runId).toList();
        }
        ClosedLoop.Planned planned =
            ClosedLoop.plan(config.actions(), alert, runIds, j.emission().atMs());
        alert = planned.alert();
        plan = planned.plan();
      }
      context().forward(new Record<>(alert.alertId(), alert, now), MonitorTopology.JOB_ALERTS_SINK);
      // Same task, same transaction as the alert.
      ClosedLoop.write(context(), plan, MonitorTopology.JOB_CONTROL_SINK, LOG);
      metrics.alertEmitted(alert, Math.max(0, now - j.emission().atMs()));
      LOG.info(
          "{} {} rev {}: {}",
          alert.status().wire(),
          alert.alertId(),
          alert.revision(),
          alert.summary());
      if (j.emission().firing()
          && IMPLICATING.contains(j.emission().rule())
          && j.host() != null
          && implicates(j)) {
        Implication i =
            new Implication(
                j.host(),
                j.device(),
                j.job(),
                j.runId(),
                j.rank() == null ? -1 : j.rank(),
                j.emission().rule().id(),
                j.emission().diagnosis(),
                j.emission().atMs(),
                now);
        context().forward(new Record<>(j.host(), i, now), MonitorTopology.HOST_SIGNALS_SINK);
      }
    }
  }

  /** A hang implicates a host only when a rank is behind the others: otherwise nobody is named. */
  private static boolean implicates(JobEmission j) {
    if (j.emission().rule() != RuleId.JOB_HANG) {
      return true;
    }
    Object behind = j.emission().evidence().get("behind_count");
    return behind instanceof Number n && n.intValue() > 0;
  }
}
