package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code job_hang} (critical): a job's ranks stop advancing. Judged on the wall clock, so it fires
 * though no event arrives, after max({@code min_seconds}, {@code step_time_factor} x the job's p99
 * step time): a minute by default, well before NCCL's 10-minute collective timeout.
 *
 * <p>Diagnoses:
 *
 * <ul>
 *   <li>{@code job_stopped}: no rank advanced for the limit. The alert names the ranks whose last
 *       step is behind the others' (in synchronous training, the ranks the others wait for) and
 *       their hosts; when all stopped at the same step, the rank whose last report is the oldest.
 *   <li>{@code rank_stopped}: other ranks go on, but some stopped advancing for the limit, both on
 *       the wall clock and in event time (so a rank whose events are merely replayed later is not
 *       stopped): the process died or hangs without run_ended.
 * </ul>
 *
 * <p>A job is never judged silent for longer than the monitor has been watching it; ranks that
 * ended are not judged, and a job half of whose ranks ended is being torn down, not hung (a
 * preempted job whose killed rank could not say so); the next step of any rank resolves the alert.
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

  public static final String JOB_STOPPED = "job_stopped";
  public static final String RANK_STOPPED = "rank_stopped";

  /** Most culprit ranks described in the evidence. */
  static final int MAX_DESCRIBED = 8;

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.JOB_HANG, 1, 1, MIN_SECONDS, STEP_TIME_FACTOR);

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
    return Math.max(
        settings.integer(MIN_SECONDS) * 1000,
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
      long top = live.stream().mapToLong(RankState::lastStep).max().orElse(-1);
      List<RankState> behind =
          new ArrayList<>(live.stream().filter(r -> r.lastStep() < top).toList());
      behind.sort(Comparator.comparingLong(RankState::lastStep).thenComparingInt(RankState::rank));
      RankState culprit =
          behind.isEmpty()
              ? live.stream()
                  .min(
                      Comparator.comparingLong(RankState::lastTsMs)
                          .thenComparingInt(RankState::rank))
                  .orElseThrow()
              : behind.get(0);
      return Optional.of(
          finding(JOB_STOPPED, jobSilent, limit, top, live.size(), behind, culprit).build());
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
        finding(RANK_STOPPED, silent, limit, top, live.size(), stopped, culprit).build());
  }

  private static Finding.Builder finding(
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
        .put("last_step", topStep)
        .put("ranks", live)
        .put("behind_count", behind.size())
        .put("behind", behind.isEmpty() ? null : described.toString())
        .put("rank", culprit.rank())
        .put("host", culprit.host())
        .put("device", culprit.device())
        .put("culprit_step", culprit.lastStep())
        .put("culprit_run_id", culprit.runId());
  }
}
