package io.trainwatch.monitor.alerting;

import io.trainwatch.monitor.job.AlertGroup;
import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankIdentity;
import io.trainwatch.monitor.job.RankSample;
import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.job.StepLookup;
import io.trainwatch.monitor.job.StepStats;
import io.trainwatch.monitor.job.Verdict;
import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.JobHangRule;
import io.trainwatch.monitor.rules.RankDivergenceRule;
import io.trainwatch.monitor.rules.RuleDefinition;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RuleSettings;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.monitor.rules.StragglerRankRule;
import io.trainwatch.monitor.run.AlertTrack;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.AlertStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The job-level monitoring logic, without Kafka: judges each rank's steps against its peers'
 * ({@code straggler_rank}, {@code rank_divergence}), watches the job's progress on the wall clock
 * ({@code job_hang}), and groups the ranks' own alerts into one page per job and rule. Pure and
 * deterministic: the caller loads and stores the states, and passes the clock in.
 *
 * <p>A rank's report is judged once enough peers reported the same step (all ranks, or at most
 * {@link StepStats#MAX_SAMPLES}; half of them once the job moved {@link #JUDGE_LAG} steps on), in
 * step order, whatever order the reports arrived in. Step reports older than {@link
 * #STEP_RETENTION} steps behind the job's newest are not kept.
 */
public final class JobEvaluator {

  /** Steps behind the job's newest whose reports are still kept. */
  public static final long STEP_RETENTION = 256;

  /**
   * Steps after which a step reported by half the ranks is judged without the rest: as long as a
   * rank's reports can wait ({@link RankState#MAX_PENDING}), since under load a monitor polls some
   * partitions ahead of others, and a step's late peers usually do come. A step judged without them
   * feeds {@code rank_divergence} but not the timing comparison of {@code straggler_rank}.
   */
  public static final long JUDGE_LAG = RankState.MAX_PENDING;

  /**
   * Steps after one rank alone turned non-finite within which the job's NaN is that rank's
   * incident.
   */
  static final long SPREAD_STEPS = 2;

  /**
   * Per-run rules whose grouped alert is silenced while the job's hang fires, and once a rank of
   * the job completed.
   */
  static final List<String> INHIBITED_BY_HANG = List.of(RuleId.STALLED_RUN.id());

  private final StragglerRankRule straggler = Rules.straggler();
  private final RankDivergenceRule divergence = Rules.divergence();
  private final JobHangRule hang = Rules.hang();

  /**
   * A rank reported a step: remembers it, judges what can be judged.
   *
   * @return the records to publish
   */
  public List<JobEmission> onBatch(
      String job,
      JobState state,
      RankState rank,
      RankSample sample,
      StepLookup steps,
      RunSettings settings,
      long wallMs) {
    boolean advanced = rank.observe(sample, wallMs);
    state.observe(sample, advanced, wallMs);
    if (sample.step() > state.maxStep() - STEP_RETENTION) {
      StepStats st = steps.get(sample.step());
      if (st == null) {
        st = new StepStats();
      }
      st.add(rank.rank(), sample);
      steps.put(sample.step(), st);
    }
    List<JobEmission> out = new ArrayList<>(0);
    if (advanced
        && state.hang().phase() != AlertTrack.Phase.INACTIVE
        && (!rankStoppedFiring(state) || rank.runId().equals(state.hangRunId()))) {
      // Any rank's next step ends a stopped job; a stopped rank's only ends when that rank moves
      // again (or ends, seen by the wall-clock check): the others were moving all along.
      RuleSettings s = settings.get(RuleId.JOB_HANG);
      advanceHang(job, state, Optional.empty(), s, sample.tsMs(), sample.step(), out);
    }
    judge(job, state, rank, steps, settings, out);
    return out;
  }

  private boolean rankStoppedFiring(JobState state) {
    return state.hang().firing()
        && state.hang().diagnosis() == hang.diagnoses().indexOf(JobHangRule.RANK_STOPPED);
  }

  /**
   * Judges a rank's pending reports whose steps enough peers reported, in step order.
   *
   * @param out where the records to publish go
   * @return {@code true} if the rank's state changed, {@code false} otherwise
   */
  public boolean judge(
      String job,
      JobState state,
      RankState rank,
      StepLookup steps,
      RunSettings settings,
      List<JobEmission> out) {
    int target = Math.min(Math.max(2, state.worldSize()), StepStats.MAX_SAMPLES);
    int quorum = Math.max(2, (target + 1) / 2);
    // Every live rank's report: a rank that never reported this attempt is not waited for.
    int live = Math.max(2, Math.min(target, state.ranks() - state.endedRanks()));
    boolean changed = false;
    for (RankSample p : new ArrayList<>(rank.pending())) {
      boolean old = p.step() <= state.maxStep() - JUDGE_LAG;
      if (p.step() <= rank.lastJudgedStep()) {
        rank.pending().remove(p);
        changed = true;
        continue;
      }
      StepStats st = steps.get(p.step());
      int count = st == null ? 0 : st.count();
      boolean ready = count >= target || (old && count >= quorum);
      if (!ready) {
        if (old && p.step() <= state.maxStep() - STEP_RETENTION / 2) {
          rank.pending().remove(p); // its peers are not coming
          changed = true;
          continue;
        }
        break;
      }
      Verdict v = Verdict.judge(rank.rank(), p, st);
      // Timing is compared only against every live peer: a step judged with half of them (its
      // other partitions lagging) has a median that depends on which ranks came first, and the
      // order drifts with the monitor's load, a change no rank made.
      boolean complete = count >= live;
      rank.judged(v, complete);
      changed = true;
      RuleSettings ds = settings.get(RuleId.RANK_DIVERGENCE);
      if (ds.enabled() && divergence.judges(v, ds)) {
        Optional<Finding> f = divergence.evaluate(rank, v, ds);
        if (f.isPresent() && RankDivergenceRule.NONFINITE_ON_RANK.equals(f.get().diagnosis())) {
          state.noteNonfiniteOnRank(p.step());
        }
        RuleSettings effective =
            f.isPresent() && RankDivergenceRule.immediate(f.get()) ? ds.with("for_batches", 1) : ds;
        AlertLifecycle.Step st2 =
            AlertLifecycle.evaluate(
                divergence, rank.divergence(), f, effective, p.tsMs(), p.step());
        rank.setDivergence(st2.track());
        st2.emission().ifPresent(e -> out.add(rankEmission(job, rank, e)));
      }
      RuleSettings ss = settings.get(RuleId.STRAGGLER_RANK);
      if (ss.enabled() && complete && Double.isFinite(v.logRatio())) {
        Optional<Finding> f = straggler.evaluate(rank, ss);
        AlertLifecycle.Step st2 =
            AlertLifecycle.evaluate(straggler, rank.straggler(), f, ss, p.tsMs(), p.step());
        rank.setStraggler(st2.track());
        st2.emission().ifPresent(e -> out.add(rankEmission(job, rank, e)));
      }
    }
    return changed;
  }

  /**
   * A wall-clock check of a job: is it hanging?
   *
   * @param ranks the job's ranks, read when needed
   * @return the records to publish
   */
  public List<JobEmission> onWallClock(
      String job,
      JobState state,
      Supplier<List<RankState>> ranks,
      long nowMs,
      long watchingSinceMs,
      RunSettings settings) {
    List<JobEmission> out = new ArrayList<>(0);
    RuleSettings s = settings.get(RuleId.JOB_HANG);
    if (!s.enabled()) {
      return out;
    }
    Optional<Finding> f = hang.evaluateAt(state, ranks, nowMs, watchingSinceMs, s);
    advanceHang(job, state, f, s, nowMs, state.maxStep() < 0 ? null : state.maxStep(), out);
    return out;
  }

  private void advanceHang(
      String job,
      JobState state,
      Optional<Finding> f,
      RuleSettings s,
      long tsMs,
      Long step,
      List<JobEmission> out) {
    AlertLifecycle.Step st = AlertLifecycle.evaluate(hang, state.hang(), f, s, tsMs, step);
    String runId =
        f.isPresent() && !state.hang().firing()
            ? (String) f.get().evidence().get("culprit_run_id")
            : state.hangRunId();
    state.setHang(st.track(), runId);
    st.emission()
        .ifPresent(
            e -> {
              Map<String, Object> ev = e.evidence();
              out.add(
                  new JobEmission(
                      e,
                      job,
                      job,
                      runId,
                      e.firing() ? (Integer) ev.get("rank") : null,
                      e.firing() ? (String) ev.get("host") : null,
                      e.firing() ? (String) ev.get("device") : null,
                      List.of(),
                      0,
                      null));
            });
  }

  /**
   * A rank ended: its alerts resolve; when every rank ended, or one completed (the job's training
   * loop finished), so does the job's hang alert.
   *
   * @param completed {@code true} if the rank ended with status completed
   * @return the records to publish
   */
  public List<JobEmission> onRankEnded(
      String job, JobState state, RankState rank, long tsMs, long wallMs, boolean completed) {
    List<JobEmission> out = new ArrayList<>(0);
    if (rank.ended()) {
      return out;
    }
    rank.end(wallMs);
    state.rankEnded();
    if (completed) {
      state.rankCompleted();
    }
    Long step = rank.lastStep() < 0 ? null : rank.lastStep();
    Map<String, Object> evidence = Map.of("run_status", "ended");
    AlertLifecycle.Step d =
        AlertLifecycle.close(
            divergence, rank.divergence(), tsMs, step, AlertLifecycle.RUN_ENDED, evidence);
    rank.setDivergence(d.track());
    d.emission().ifPresent(e -> out.add(rankEmission(job, rank, e)));
    AlertLifecycle.Step s =
        AlertLifecycle.close(
            straggler, rank.straggler(), tsMs, step, AlertLifecycle.RUN_ENDED, evidence);
    rank.setStraggler(s.track());
    s.emission().ifPresent(e -> out.add(rankEmission(job, rank, e)));
    if (state.ended() || state.completedRanks() > 0) {
      AlertLifecycle.Step h =
          AlertLifecycle.close(
              hang, state.hang(), tsMs, step, AlertLifecycle.RUN_ENDED, Map.of("job", "ended"));
      state.setHang(h.track(), state.hangRunId());
      h.emission()
          .ifPresent(
              e ->
                  out.add(
                      new JobEmission(
                          e, job, job, state.hangRunId(), null, null, null, List.of(), 0, null)));
    }
    return out;
  }

  /**
   * The job is being forgotten (idle too long): every open alert of the job and its ranks resolves,
   * so that no incident stays open downstream forever.
   *
   * @return the records to publish
   */
  public List<JobEmission> onEvicted(
      String job, JobState state, List<RankState> ranks, long nowMs) {
    return closeAll(
        job,
        state,
        ranks,
        nowMs,
        AlertLifecycle.EVICTED,
        Map.of("idle_seconds", Math.max(0, (nowMs - state.lastEventWallMs()) / 1000)));
  }

  /**
   * The job started a newer attempt (a restart, often after a crash that left no run_ended): the
   * old attempt's ranks and steps are about to be forgotten, and every open alert of the job and of
   * those ranks resolves with them. Reports of the old attempt that come later are ignored, so
   * nothing else would ever resolve them.
   *
   * @return the records to publish
   */
  public List<JobEmission> onRestart(
      String job, JobState state, List<RankState> ranks, long nowMs, int newAttempt) {
    return closeAll(
        job, state, ranks, nowMs, AlertLifecycle.RESTARTED, Map.of("attempt", newAttempt));
  }

  private List<JobEmission> closeAll(
      String job,
      JobState state,
      List<RankState> ranks,
      long nowMs,
      String reason,
      Map<String, Object> evidence) {
    List<JobEmission> out = new ArrayList<>(0);
    Long step = state.maxStep() < 0 ? null : state.maxStep();
    for (RankState rank : ranks) {
      AlertLifecycle.Step d =
          AlertLifecycle.close(divergence, rank.divergence(), nowMs, step, reason, evidence);
      rank.setDivergence(d.track());
      d.emission().ifPresent(e -> out.add(rankEmission(job, rank, e)));
      AlertLifecycle.Step s =
          AlertLifecycle.close(straggler, rank.straggler(), nowMs, step, reason, evidence);
      rank.setStraggler(s.track());
      s.emission().ifPresent(e -> out.add(rankEmission(job, rank, e)));
    }
    AlertLifecycle.Step h = AlertLifecycle.close(hang, state.hang(), nowMs, step, reason, evidence);
    state.setHang(h.track(), state.hangRunId());
    h.emission()
        .ifPresent(
            e ->
                out.add(
                    new JobEmission(
                        e, job, job, state.hangRunId(), null, null, null, List.of(), 0, null)));
    for (AlertGroup g : state.groups()) {
      if (g.phase() == AlertGroup.Phase.FIRING) {
        out.add(closedGroupEmission(job, g, nowMs, step, reason, evidence));
      }
    }
    return out;
  }

  /**
   * A rank's own alert (a per-run rule) fired or resolved: it joins its rule's group. The group is
   * published by {@link #flushGroups} after {@code group_wait}; it resolves when its last firing
   * rank resolves.
   *
   * @return the records to publish (a resolved group)
   */
  public List<JobEmission> onRankAlert(
      String job, JobState state, RankIdentity id, byte[] alertJson, long wallMs) {
    Alert a = AlertCodec.decode(alertJson);
    AlertGroup g = state.group(a.rule());
    List<JobEmission> out = new ArrayList<>(0);
    if (a.firing()) {
      g.rankFired(
          a.runId(),
          id.rank(),
          id.host(),
          id.device(),
          a.diagnosis(),
          a.severity().wire(),
          a.startsAt().toEpochMilli(),
          alertJson,
          wallMs);
      return out;
    }
    g.rankResolved();
    if (g.firingRanks() == 0 && g.phase() == AlertGroup.Phase.FIRING) {
      out.add(groupEmission(job, g, AlertStatus.RESOLVED, a.endsAt().toEpochMilli(), a.step()));
    }
    return out;
  }

  /**
   * Publishes the groups that waited {@code groupWaitMs}: one firing record listing every rank that
   * fired by then (and its resolution, if they all resolved meanwhile). A group of a rule silenced
   * by the job's firing hang is dropped.
   *
   * @return the records to publish
   */
  public List<JobEmission> flushGroups(String job, JobState state, long nowMs, long groupWaitMs) {
    List<JobEmission> out = new ArrayList<>(0);
    for (AlertGroup g : state.groups()) {
      if (g.phase() != AlertGroup.Phase.WAITING || nowMs - g.openedWallMs() < groupWaitMs) {
        continue;
      }
      if (INHIBITED_BY_HANG.contains(g.rule())
          && (state.hang().firing() || state.completedRanks() > 0)) {
        // While the job hangs, its page says it; once a rank completed, the job finished and
        // the ranks that stopped reporting exited without run_ended.
        g.close(false);
        continue;
      }
      Alert first = AlertCodec.decode(g.firstAlert());
      if (spreadFromOneRank(state, g, first)) {
        g.close(false);
        continue;
      }
      out.add(
          groupEmission(job, g, AlertStatus.FIRING, first.startsAt().toEpochMilli(), first.step()));
      if (g.firingRanks() == 0) {
        out.add(groupEmission(job, g, AlertStatus.RESOLVED, nowMs, first.step()));
      }
    }
    return out;
  }

  /**
   * {@code true} if the group is the job's {@code nonfinite_loss} and it began where one rank alone
   * turned non-finite just before: in data-parallel training a NaN on one rank reaches every rank
   * at the next all-reduce, so the ranks' NaN is the same incident as that rank's {@code
   * rank_divergence}, which already paged and names the rank it began on.
   */
  private static boolean spreadFromOneRank(JobState state, AlertGroup g, Alert first) {
    long onRank = state.nonfiniteOnRankStep();
    return g.rule().equals(RuleId.NONFINITE_LOSS.id())
        && onRank >= 0
        && first.step() != null
        && first.step() >= onRank
        && first.step() - onRank <= SPREAD_STEPS;
  }

  /** {@code true} if a group waits to be published, {@code false} otherwise. */
  public static boolean waiting(JobState state) {
    return state.groups().stream().anyMatch(g -> g.phase() == AlertGroup.Phase.WAITING);
  }

  private static JobEmission groupEmission(
      String job, AlertGroup g, AlertStatus status, long atMs, Long step) {
    return groupEmission(job, g, status, atMs, step, AlertLifecycle.CLEARED, Map.of());
  }

  /**
   * The resolved record of a firing group closed with its job ({@code reason} {@link
   * AlertLifecycle#RESTARTED} or {@link AlertLifecycle#EVICTED}), not by its ranks' resolutions.
   */
  private static JobEmission closedGroupEmission(
      String job, AlertGroup g, long atMs, Long step, String reason, Map<String, Object> why) {
    return groupEmission(job, g, AlertStatus.RESOLVED, atMs, step, reason, why);
  }

  private static JobEmission groupEmission(
      String job,
      AlertGroup g,
      AlertStatus status,
      long atMs,
      Long step,
      String resolution,
      Map<String, Object> why) {
    Alert first = AlertCodec.decode(g.firstAlert());
    RuleId rule = RuleId.fromId(g.rule()).orElseThrow();
    int revision = status == AlertStatus.FIRING ? g.publishFiring() : g.close(true);
    Map<String, Object> evidence = new java.util.LinkedHashMap<>();
    evidence.put("ranks", g.ranksText());
    evidence.put("rank_count", g.rankCount());
    evidence.put("first_rank", g.firstRank());
    evidence.put("hosts", g.hosts().isEmpty() ? null : String.join(", ", g.hosts()));
    if (status == AlertStatus.FIRING) {
      evidence.putAll(first.evidence());
    } else if (AlertLifecycle.CLEARED.equals(resolution)) {
      evidence.put("resolution", "every rank's alert resolved");
    } else {
      evidence.putAll(why);
    }
    Emission e =
        new Emission(
            rule,
            status,
            revision,
            g.diagnosis(),
            null,
            evidence,
            g.startsAtMs(),
            Math.max(atMs, g.startsAtMs()),
            step,
            g.rankCount(),
            status == AlertStatus.FIRING ? null : resolution);
    return new JobEmission(
        e,
        job,
        job,
        g.firstRunId(),
        g.firstRank(),
        g.firstHost(),
        g.firstDevice(),
        g.ranks(),
        g.rankCount(),
        first);
  }

  private static JobEmission rankEmission(String job, RankState rank, Emission e) {
    return new JobEmission(
        e,
        rank.runId(),
        job,
        rank.runId(),
        rank.rank(),
        rank.host(),
        rank.device(),
        List.of(),
        0,
        null);
  }

  /** The rule definitions this evaluator runs (for docs and tests). */
  public static List<RuleDefinition> rules() {
    return List.of(Rules.straggler(), Rules.divergence(), Rules.hang());
  }
}
