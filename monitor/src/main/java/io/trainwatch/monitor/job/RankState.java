package io.trainwatch.monitor.job;

import io.trainwatch.monitor.run.AlertTrack;

/**
 * What the job-level rules remember about one rank of a job: who and where it is, how far it got,
 * its last reports not yet judged (their step has not been reported by enough peers), and its
 * recent judged timings, and the straggler rule's summary of the rank's own earlier steps (its
 * baseline). Bounded: at most {@link #MAX_PENDING} pending reports, {@link #WINDOW} judged steps
 * and a few numbers, about 2 KB, whatever the job's size. Mutable.
 */
public final class RankState {

  /** Most reports kept waiting for their peers. */
  public static final int MAX_PENDING = 32;

  /** Judged steps kept for the straggler statistics. */
  public static final int WINDOW = 64;

  /** Values kept per judged step. */
  static final int JUDGED_FIELDS = 5;

  private final String runId;
  private final int rank;
  private final String host;
  private final String device;
  private long lastStep = -1;
  private long lastTsMs;
  private long lastWallMs;
  private long progressWallMs;
  private boolean ended;
  private long lastJudgedStep = -1;
  private long judgedTotal;

  private final java.util.ArrayDeque<RankSample> pending = new java.util.ArrayDeque<>();

  // Ring of judged steps: logRatio, computeLogRatio, computeExcess, dataExcess, medianWorkMs.
  private final float[] judged = new float[WINDOW * JUDGED_FIELDS];
  private int judgedPos;
  private int judgedSize;

  // The peers' spread per step (work, compute), averaged over the judged steps.
  private float peerSigma;
  private float peerComputeSigma;
  private int peerSigmaCount;
  private int peerComputeSigmaCount;

  private StragglerBaseline baseline = StragglerBaseline.EMPTY;

  private AlertTrack straggler = AlertTrack.NEW;
  private AlertTrack divergence = AlertTrack.NEW;

  public RankState(String runId, int rank, String host, String device) {
    this.runId = runId;
    this.rank = rank;
    this.host = host;
    this.device = device;
  }

  public String runId() {
    return runId;
  }

  public int rank() {
    return rank;
  }

  public String host() {
    return host;
  }

  public String device() {
    return device;
  }

  /** The highest step reported, or -1. */
  public long lastStep() {
    return lastStep;
  }

  /** Event time of the last report. */
  public long lastTsMs() {
    return lastTsMs;
  }

  /** Processing time of the last report. */
  public long lastWallMs() {
    return lastWallMs;
  }

  /** Processing time at which the rank last reported a higher step than before. */
  public long progressWallMs() {
    return progressWallMs;
  }

  public boolean ended() {
    return ended;
  }

  public long lastJudgedStep() {
    return lastJudgedStep;
  }

  /** Steps judged since the rank started. */
  public long judgedTotal() {
    return judgedTotal;
  }

  /**
   * The straggler rule's summary of this rank's judged steps that left the {@link #WINDOW}: its own
   * earlier level, against which a change is measured.
   */
  public StragglerBaseline baseline() {
    return baseline;
  }

  public void setBaseline(StragglerBaseline b) {
    baseline = b;
  }

  /**
   * The peers' spread of ln(work) at a step (a standard deviation), averaged over the judged steps
   * (the last {@value #WINDOW} weigh most), or NaN before any.
   */
  public double peerSigma() {
    return peerSigmaCount == 0 ? Double.NaN : peerSigma;
  }

  /** The same for ln(compute), or NaN when no compute time was compared. */
  public double peerComputeSigma() {
    return peerComputeSigmaCount == 0 ? Double.NaN : peerComputeSigma;
  }

  public AlertTrack straggler() {
    return straggler;
  }

  public void setStraggler(AlertTrack t) {
    straggler = t;
  }

  public AlertTrack divergence() {
    return divergence;
  }

  public void setDivergence(AlertTrack t) {
    divergence = t;
  }

  /**
   * Remembers a report.
   *
   * @return {@code true} if the rank advanced to a higher step, {@code false} otherwise
   */
  public boolean observe(RankSample s, long wallMs) {
    lastWallMs = wallMs;
    lastTsMs = Math.max(lastTsMs, s.tsMs());
    boolean advanced = s.step() > lastStep;
    if (advanced) {
      lastStep = s.step();
      progressWallMs = wallMs;
    }
    if (s.step() > lastJudgedStep) {
      if (pending.size() == MAX_PENDING) {
        pending.removeFirst();
      }
      pending.addLast(s);
    }
    return advanced;
  }

  /** Marks the rank ended (run_ended). */
  public void end(long wallMs) {
    ended = true;
    lastWallMs = wallMs;
  }

  /** Reports waiting to be judged, oldest first. */
  public java.util.Deque<RankSample> pending() {
    return pending;
  }

  /**
   * Records a judged step (and drops it from the pending reports).
   *
   * @param timingComparable whether its timings enter the straggler window: only when the step was
   *     judged against every live peer
   */
  public void judged(Verdict v, boolean timingComparable) {
    pending.remove(v.sample());
    lastJudgedStep = Math.max(lastJudgedStep, v.step());
    judgedTotal++;
    if (!timingComparable || !Double.isFinite(v.logRatio())) {
      return; // no timing to compare: the straggler window only holds comparable steps
    }
    int at = judgedPos * JUDGED_FIELDS;
    judged[at] = (float) v.logRatio();
    judged[at + 1] = (float) v.computeLogRatio();
    judged[at + 2] = (float) v.computeExcess();
    judged[at + 3] = (float) v.dataExcess();
    judged[at + 4] = (float) v.medianWorkMs();
    judgedPos = (judgedPos + 1) % WINDOW;
    judgedSize = Math.min(WINDOW, judgedSize + 1);
    if (Double.isFinite(v.sigma())) {
      peerSigmaCount = Math.min(WINDOW, peerSigmaCount + 1);
      peerSigma += (float) ((v.sigma() - peerSigma) / peerSigmaCount);
    }
    if (Double.isFinite(v.computeSigma())) {
      peerComputeSigmaCount = Math.min(WINDOW, peerComputeSigmaCount + 1);
      peerComputeSigma += (float) ((v.computeSigma() - peerComputeSigma) / peerComputeSigmaCount);
    }
  }

  /** Drops pending reports of steps at or below {@code step} (their peers will never come). */
  public void dropPendingUpTo(long step) {
    while (!pending.isEmpty() && pending.peekFirst().step() <= step) {
      pending.removeFirst();
    }
  }

  /** Judged steps with timings in the window. */
  public int windowSize() {
    return judgedSize;
  }

  /**
   * One value of the i-th most recent judged step (0 = newest).
   *
   * @param field 0 log ratio of work, 1 log ratio of compute, 2 compute excess, 3 data excess, 4
   *     median work ms
   */
  public double recent(int i, int field) {
    int slot = Math.floorMod(judgedPos - 1 - i, WINDOW);
    return judged[slot * JUDGED_FIELDS + field];
  }

  // Codec access.

  long[] scalars() {
    return new long[] {
      lastStep, lastTsMs, lastWallMs, progressWallMs, ended ? 1 : 0, lastJudgedStep, judgedTotal
    };
  }

  void restoreScalars(long[] v) {
    lastStep = v[0];
    lastTsMs = v[1];
    lastWallMs = v[2];
    progressWallMs = v[3];
    ended = v[4] != 0;
    lastJudgedStep = v[5];
    judgedTotal = v[6];
  }

  float[] judgedRaw() {
    return judged;
  }

  int judgedPos() {
    return judgedPos;
  }

  void restoreJudged(int pos, int size) {
    judgedPos = pos;
    judgedSize = size;
  }

  float[] peerSigmas() {
    return new float[] {peerSigma, peerComputeSigma, peerSigmaCount, peerComputeSigmaCount};
  }

  void restorePeerSigmas(float[] v) {
    peerSigma = v[0];
    peerComputeSigma = v[1];
    peerSigmaCount = (int) v[2];
    peerComputeSigmaCount = (int) v[3];
  }
}
