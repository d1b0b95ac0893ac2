package io.trainwatch.monitor.job;

import io.trainwatch.monitor.run.AlertTrack;
import io.trainwatch.schemas.util.Quantiles;
import java.util.ArrayList;
import java.util.List;

/**
 * What the monitor remembers about one job (all ranks of one launch): its size, progress, recent
 * step times, the hang alert and the groups of its ranks' alerts. Bounded whatever the number of
 * ranks: per-rank facts live in {@link RankState} records, per-step ones in {@link StepStats}.
 * Mutable.
 */
public final class JobState {

  /** Step times kept for the hang threshold (its p99). */
  public static final int STEP_TIMES = 64;

  private int attempt;
  private int declaredWorldSize;
  private int maxRank = -1;
  private String framework = "unknown";
  private long maxStep = -1;
  private long maxTsMs;
  private long progressWallMs;
  private long lastEventWallMs;
  private int ranks;
  private int endedRanks;
  private int completedRanks;
  private final float[] stepTimes = new float[STEP_TIMES];
  private int stepTimesPos;
  private int stepTimesSize;
  private AlertTrack hang = AlertTrack.NEW;
  private String hangRunId;
  private long nonfiniteOnRankStep = -1;
  private long maxStepTsMs = -1;
  private long longestPauseMs;
  private final List<AlertGroup> groups = new ArrayList<>();

  public int attempt() {
    return attempt;
  }

  public String framework() {
    return framework;
  }

  /** The declared world size, else one more than the highest rank seen. */
  public int worldSize() {
    return declaredWorldSize > 0 ? declaredWorldSize : maxRank + 1;
  }

  public long maxStep() {
    return maxStep;
  }

  /** The latest event time any rank reported. */
  public long maxTsMs() {
    return maxTsMs;
  }

  /** Processing time at which any rank last advanced to a higher step. */
  public long progressWallMs() {
    return progressWallMs;
  }

  public long lastEventWallMs() {
    return lastEventWallMs;
  }

  /** Ranks that started (or reported) in this attempt. */
  public int ranks() {
    return ranks;
  }

  public int endedRanks() {
    return endedRanks;
  }

  /**
   * Ranks of this attempt that ended with status completed. In synchronous data-parallel training a
   * rank's loop completes only after every rank's last all-reduce: one is enough to say the job
   * finished, and the ranks that did not say so exited without run_ended.
   */
  public int completedRanks() {
    return completedRanks;
  }

  /** A rank ended with status completed. */
  public void rankCompleted() {
    completedRanks++;
  }

  /** {@code true} if every known rank ended, {@code false} otherwise. */
  public boolean ended() {
    return ranks > 0 && endedRanks >= ranks;
  }

  public AlertTrack hang() {
    return hang;
  }

  public String hangRunId() {
    return hangRunId;
  }

  public void setHang(AlertTrack track, String runId) {
    hang = track;
    hangRunId = runId;
  }

  /**
   * The latest step at which one rank alone turned non-finite ({@code rank_divergence}'s {@code
   * nonfinite_on_rank}), or -1.
   */
  public long nonfiniteOnRankStep() {
    return nonfiniteOnRankStep;
  }

  /**
   * The longest event-time gap between two successive advances of the job (the first report of a
   * new highest step after the first report of the previous one), over this attempt and the earlier
   * ones: the longest pause (a checkpoint, an evaluation, a logging interval) the job already came
   * back from. 0 before two steps.
   */
  public long longestPauseMs() {
    return longestPauseMs;
  }

  /** One rank alone turned non-finite at {@code step}. */
  public void noteNonfiniteOnRank(long step) {
    nonfiniteOnRankStep = Math.max(nonfiniteOnRankStep, step);
  }

  /** The groups of rank-level alerts, one per rule that ever fired. */
  public List<AlertGroup> groups() {
    return groups;
  }

  /** The group of a rule, created when absent. */
  public AlertGroup group(String rule) {
    for (AlertGroup g : groups) {
      if (g.rule().equals(rule)) {
        return g;
      }
    }
    AlertGroup g = new AlertGroup(rule);
    groups.add(g);
    return g;
  }

  /**
   * A rank of this job started: learns the attempt, size and framework.
   *
   * @return {@code true} if this is a newer attempt than the state's (the caller starts over)
   */
  public boolean isNewerAttempt(int a) {
    return a > attempt && ranks > 0;
  }

  /** Starts a newer attempt over, keeping alert revisions so alert ids stay monotonic. */
  public JobState restart(int newAttempt) {
    JobState s = new JobState();
    s.attempt = newAttempt;
    s.hang = hang.inactive();
    s.hangRunId = hangRunId;
    s.longestPauseMs = longestPauseMs; // the job's pauses (checkpoints) do not change on restart
    for (AlertGroup g : groups) {
      s.groups.add(
          AlertGroup.restore(
              g.rule(),
              AlertGroup.Phase.IDLE,
              g.revision(),
              0,
              0,
              null,
              0,
              null,
              null,
              null,
              null,
              null,
              List.of(),
              List.of(),
              0,
              0));
    }
    return s;
  }

  public void learn(int a, Integer worldSize, int rank, String fw, boolean newRank) {
    attempt = Math.max(attempt, a);
    if (worldSize != null && worldSize > 0) {
      declaredWorldSize = worldSize;
    }
    maxRank = Math.max(maxRank, rank);
    if (fw != null) {
      framework = fw;
    }
    if (newRank) {
      ranks++;
    }
  }

  /** An ended rank started again (the same rank, a new run): it is live again. */
  public void rankRestarted() {
    endedRanks = Math.max(0, endedRanks - 1);
    completedRanks = 0; // the job goes on in place: what completed was not the end
  }

  /** A rank ended. */
  public void rankEnded() {
    endedRanks++;
  }

  /** A rank reported a step. */
  public void observe(RankSample s, boolean rankAdvanced, long wallMs) {
    lastEventWallMs = wallMs;
    maxTsMs = Math.max(maxTsMs, s.tsMs());
    if (rankAdvanced) {
      progressWallMs = wallMs;
    }
    if (s.step() > maxStep) {
      if (maxStep >= 0 && maxStepTsMs >= 0 && s.tsMs() > maxStepTsMs) {
        longestPauseMs = Math.max(longestPauseMs, s.tsMs() - maxStepTsMs);
      }
      maxStepTsMs = s.tsMs();
    }
    maxStep = Math.max(maxStep, s.step());
    if (Float.isFinite(s.stepMs()) && s.stepMs() >= 0) {
      stepTimes[stepTimesPos] = s.stepMs();
      stepTimesPos = (stepTimesPos + 1) % STEP_TIMES;
      stepTimesSize = Math.min(STEP_TIMES, stepTimesSize + 1);
    }
  }

  /**
   * The 99th percentile of the last {@value #STEP_TIMES} step times in ms by {@link Quantiles}'
   * nearest rank (with fewer than 100 values, their largest), or 0 before any.
   */
  public double p99StepMs() {
    if (stepTimesSize == 0) {
      return 0;
    }
    double[] ms = new double[stepTimesSize];
    for (int i = 0; i < stepTimesSize; i++) {
      ms[i] = stepTimes[i];
    }
    return Quantiles.percentile(ms, 99);
  }

  // Codec access.
  long[] scalars() {
    return new long[] {
      attempt,
      declaredWorldSize,
      maxRank,
      maxStep,
      maxTsMs,
      progressWallMs,
      lastEventWallMs,
      ranks,
      endedRanks,
      stepTimesPos,
      stepTimesSize
    };
  }

  void restoreScalars(long[] v) {
    attempt = (int) v[0];
    declaredWorldSize = (int) v[1];
    maxRank = (int) v[2];
    maxStep = v[3];
    maxTsMs = v[4];
    progressWallMs = v[5];
    lastEventWallMs = v[6];
    ranks = (int) v[7];
    endedRanks = (int) v[8];
    stepTimesPos = (int) v[9];
    stepTimesSize = (int) v[10];
  }

  long[] pauseScalars() {
    return new long[] {maxStepTsMs, longestPauseMs};
  }

  void restoreCompletedRanks(int n) {
    completedRanks = n;
  }

  void restorePauseScalars(long maxStepTs, long longestPause) {
    maxStepTsMs = maxStepTs;
    longestPauseMs = longestPause;
  }

  float[] stepTimesRaw() {
    return stepTimes;
  }

  void setFramework(String fw) {
    framework = fw;
  }
}
