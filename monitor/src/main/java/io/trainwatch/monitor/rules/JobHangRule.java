package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.run.AlertTrack;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code job_hang} (critical): a job's ranks stop advancing. Judged on the wall clock, so it fires
 * though no event arrives, after max({@code min_seconds}, {@code step_time_factor} x the job's p99
 * step time, min({@code pause_factor} x the longest pause the job already came back from, {@code
 * max_learned_seconds})): a minute by default, well before NCCL's 10-minute collective timeout. A
 * job whose checkpoints take longer than a minute pages at its first one (nothing is known yet),
 * and from then on waits 1.5 times that long: the pause is learned from the event times of its
 * steps, whatever its step times say, and kept across restarts.
 *
 * <p>Diagnoses:
 *
 * <ul>
 *   <li>{@code job_stopped}: no rank advanced for the limit. The alert names the ranks whose last
 *       step is behind the others' (in synchronous training, the ranks the others wait for) and
 *       their hosts ({@code culprit_basis} {@code behind}). When all stopped at the same step the
 *       culprit hangs before the next all-reduce and step reports cannot tell which rank it is: the
 *       alert names a rank only if exactly one was already flagged slow ({@code straggler_rank}
 *       firing or pending: {@code straggler}), and otherwise says that the culprit is unknown and
 *       why ({@code none}, {@code culprit_unknown}; no rank, no host implicated).
 *   <li>{@code rank_stopped}: other ranks go on, but some stopped advancing for the limit, both on
 *       the wall clock and in event time (so a rank whose events are merely replayed later is not
 *       stopped): the process died or hangs without run_ended.
 * </ul>
 *
 * <p>A job one of whose ranks ended with status {@code completed} finished (its loop completes only
 * after every rank's last all-reduce), whatever the others said. A job is never judged silent for
 * longer than the monitor has been watching it; ranks that ended are not judged, and a job half of
 * whose ranks ended is being torn down, not hung (a preempted job whose killed rank could not say
 * so); the next step of any rank resolves the alert.
 */
public final class JobHangRule implements RuleDefinition {

  public static final Param MIN_SECONDS =
      Param.integer(
          "min_seconds",
          60,
          1,
          86_400L * 7,
          "Wall-clock seconds without progress before a job hangs, at least (raise it for jobs with "
              + "long checkpoints or evaluations).");
  public static final Param STEP_TIME_FACTOR =
      Param.number(
          "step_time_factor",
          3,
          1,
          10_000,
          "The limit is also at least this many times the job's p99 step time (step_ms), for slow steps.");

  public static final Param PAUSE_FACTOR =
      Param.number(
          "pause_factor",
          1.5,
          1,
          1000,
          "The limit is also at least this many times the longest pause the job already came back from "
              + "(the longest event-time gap between two of its steps, e.g. a periodic checkpoint), up to "
              + "max_learned_seconds.");
  public static final Param MAX_LEARNED_SECONDS =
      Param.integer(
          "max_learned_seconds",
          600,
          1,
          86_400L * 7,
          "Longest limit the learned pauses can give (NCCL's collective timeout is 10 minutes).");

  public static final String JOB_STOPPED = "job_stopped";
  public static final String RANK_STOPPED = "rank_stopped";

  /** Most culprit ranks described in the evidence. */
  static final int MAX_DESCRIBED = 8;

  private static final RuleSpec SPEC =
      RuleSpec.of(
          RuleId.JOB_HANG, 1, 1, MIN_SECONDS, STEP_TIME_FACTOR, PAUSE_FACTOR, MAX_LEARNED_SECONDS);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(JOB_STOPPED, RANK_STOPPED);
  }

  /** The silence after which the job hangs, in ms. */
  public long limitMs(JobState job, RuleSettings settings) {
    long learned =
        Math.min(
            settings.integer(MAX_LEARNED_SECONDS) * 1000,
            (long) (settings.number(PAUSE_FACTOR) * job.longestPauseMs()));
    return Math.max(
        Math.max(settings.integer(MIN_SECONDS) * 1000, learned),
        (long) (settings.number(STEP_TIME_FACTOR) * job.p99StepMs()));
  }

  /**
   * Judges a job at a wall-clock check.
   *
   * @param ranks the job's ranks, read only when needed
   * @param watchingSinceMs when this monitor instance started watching the job
   */
  public Optional<Finding> evaluateAt(
      JobState job,
      Supplier<List<RankState>> ranks,
      long nowMs,
      long watchingSinceMs,
      RuleSettings settings) {
    if (job.completedRanks() > 0) {
      // A rank completed: its training loop ran to the end, which in synchronous training it does
      // only after every rank's last all-reduce. The job finished; ranks that never said so
      // (`if rank == 0: finish()`) exited without run_ended, they do not hang.
      return Optional.empty();
    }
    if (job.ended() || job.maxStep() < 0 || job.endedRanks() * 2 >= job.ranks()) {
      // Half the ranks or more said they ended (completed, failed, killed): the job is being torn
      // down (a preemption, a crash the launcher restarts), and the ranks that did not say so are
      // gone with it, not waiting in a collective.
      return Optional.empty();
    }
    long limit = limitMs(job, settings);
    long jobSilent = nowMs - Math.max(job.progressWallMs(), watchingSinceMs);
    List<RankState> live = new ArrayList<>();
    for (RankState r : ranks.get()) {
      if (!r.ended() && r.lastStep() >= 0) {
        live.add(r);
      }
    }
    if (live.isEmpty()) {
      return Optional.empty();
    }
    if (jobSilent >= limit) {
      long newest = live.stream().mapToLong(RankState::lastTsMs).max().orElse(0);
      long oldest = live.stream().mapToLong(RankState::lastTsMs).min().orElse(0);
      if (newest - oldest >= limit) {
        // The ranks' last reports are farther apart in event time than the limit: the ranks of a
        // synchronous job that hangs all stop within a step of each other, so this is the
        // monitor's view lagging on some ranks' partitions (a restart catching up, a backlog),
        // not a hang. Their reports are on their way; judge the job once they are in.
        return Optional.empty();
      }
      long top = live.stream().mapToLong(RankState::lastStep).max().orElse(-1);
      List<RankState> behind =
          new ArrayList<>(live.stream().filter(r -> r.lastStep() < top).toList());
      behind.sort(Comparator.comparingLong(RankState::lastStep).thenComparingInt(RankState::rank));
      if (!behind.isEmpty()) {
        return Optional.of(
            finding(job, JOB_STOPPED, jobSilent, limit, top, live.size(), behind, behind.get(0))
                .put("culprit_basis", "behind")
                .build());
      }
      // Every rank reported the same last step: the one that hangs is stuck before the next
      // all-reduce (data loading, forward, backward), where the others wait for it. Step reports
      // are sent after a step's all-reduce, so they are all alike; which one arrived last is
      // network and scheduling noise. The only evidence left is a rank that was already slow
      // (its straggler_rank alert firing or pending), e.g. a data loader that slowed, then stopped.
      List<RankState> slow =
          live.stream()
              .filter(r -> r.straggler().phase() != AlertTrack.Phase.INACTIVE)
              .sorted(Comparator.comparingInt(RankState::rank))
              .toList();
      if (slow.size() == 1) {
        return Optional.of(
            finding(job, JOB_STOPPED, jobSilent, limit, top, live.size(), behind, slow.get(0))
                .put("culprit_basis", "straggler")
                .put("culprit_note", "the only rank already flagged slow (straggler_rank)")
                .build());
      }
      RankState lowest = live.stream().min(Comparator.comparingInt(RankState::rank)).orElseThrow();
      Finding.Builder f =
          finding(job, JOB_STOPPED, jobSilent, limit, top, live.size(), behind, null)
              .put("culprit_basis", "none")
              .put("culprit_run_id", lowest.runId())
              .put(
                  "culprit_unknown",
                  "all "
                      + live.size()
                      + " ranks reported step "
                      + top
                      + " and stopped: the rank that hangs is stuck before the all-reduce of step "
                      + (top + 1)
                      + " (loading data, forward or backward) while the others wait in it, and"
                      + " step reports, sent after each all-reduce, cannot tell which rank it is");
      if (slow.size() > 1) {
        f.put("slow_ranks", slow.stream().map(r -> String.valueOf(r.rank())).toList().toString());
      }
      return Optional.of(f.build());
    }
    List<RankState> stopped = new ArrayList<>();
    for (RankState r : live) {
      long silent = nowMs - Math.max(r.progressWallMs(), watchingSinceMs);
      if (silent >= limit && job.maxTsMs() - r.lastTsMs() >= limit) {
        stopped.add(r);
      }
    }
    if (stopped.isEmpty()) {
      return Optional.empty();
    }
    stopped.sort(Comparator.comparingLong(RankState::lastStep).thenComparingInt(RankState::rank));
    RankState culprit = stopped.get(0);
    long silent = nowMs - Math.max(culprit.progressWallMs(), watchingSinceMs);
    long top = live.stream().mapToLong(RankState::lastStep).max().orElse(-1);
    return Optional.of(
        finding(job, RANK_STOPPED, silent, limit, top, live.size(), stopped, culprit).build());
  }

  private static Finding.Builder finding(
      JobState job,
      String diagnosis,
      long silentMs,
      long limitMs,
      long topStep,
      int live,
      List<RankState> behind,
      RankState culprit) {
    StringBuilder described = new StringBuilder();
    for (int i = 0; i < Math.min(MAX_DESCRIBED, behind.size()); i++) {
      RankState r = behind.get(i);
      described
          .append(i == 0 ? "" : "; ")
          .append("rank ")
          .append(r.rank())
          .append(" at step ")
          .append(r.lastStep());
      if (r.host() != null) {
        described.append(" on ").append(r.host());
        if (r.device() != null) {
          described.append(" (").append(r.device()).append(')');
        }
      }
    }
    if (behind.size() > MAX_DESCRIBED) {
      described.append("; and ").append(behind.size() - MAX_DESCRIBED).append(" more");
    }
    return Finding.of(diagnosis, silentMs / 1000.0)
        .put("silent_seconds", silentMs / 1000)
        .put("limit_seconds", limitMs / 1000)
        .put(
            "longest_pause_seconds",
            job.longestPauseMs() > 0 ? Long.valueOf(job.longestPauseMs() / 1000) : null)
        .put("last_step", topStep)
        .put("ranks", live)
        .put("behind_count", behind.size())
        .put("behind", behind.isEmpty() ? null : described.toString())
        .put("rank", culprit == null ? null : culprit.rank())
        .put("host", culprit == null ? null : culprit.host())
        .put("device", culprit == null ? null : culprit.device())
        .put("culprit_step", culprit == null ? null : culprit.lastStep())
        .put("culprit_run_id", culprit == null ? null : culprit.runId());
  }
}
