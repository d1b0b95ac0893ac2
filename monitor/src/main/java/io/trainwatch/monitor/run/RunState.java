package io.trainwatch.monitor.run;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputEncoding;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import java.util.Arrays;

/**
 * Everything the monitor remembers about one run between events: its declared profile, bounded
 * histories of the loss and gradient norm, and where each rule's alert stands. Serialized by {@link
 * RunStateCodec}; a typical run takes a few hundred bytes and no field grows with the run's length.
 *
 * <p>Rules read it; only the processor changes it ({@link #start}, {@link #observe}, {@link #end}),
 * after the rules have seen the batch, so a rule always compares a batch with the history before
 * it.
 */
public final class RunState {

  /** Largest rule code + 1 (see {@code RuleId}). */
  public static final int MAX_RULE_CODES = 32;

  RunProfile profile;
  long batches;
  long lastStep = -1;
  long firstTsMs = -1;
  long lastTsMs = -1;
  long lastEventWallMs;
  boolean ended;
  long endedWallMs;
  float maxPredictionEntropy = -1;
  final LossHistory loss = new LossHistory();
  final GradientHistory gradients = new GradientHistory();
  final ScalerHistory scaler = new ScalerHistory();
  final LossExcursion excursion = new LossExcursion();
  final AlertTrack[] tracks = new AlertTrack[MAX_RULE_CODES];

  /** The declared profile, or {@code null} when no run_started was seen. */
  public RunProfile profile() {
    return profile;
  }

  /** Batches seen so far (before the one being evaluated). */
  public long batches() {
    return batches;
  }

  /** Step of the last batch, -1 before any. */
  public long lastStep() {
    return lastStep;
  }

  /** Event time of the first batch, -1 before any. */
  public long firstTsMs() {
    return firstTsMs;
  }

  /** Event time of the last event, -1 before any. */
  public long lastTsMs() {
    return lastTsMs;
  }

  /** Processing (wall-clock) time of the last event of this run. */
  public long lastEventWallMs() {
    return lastEventWallMs;
  }

  /** {@code true} if run_ended was seen, {@code false} otherwise. */
  public boolean ended() {
    return ended;
  }

  /** Processing (wall-clock) time of run_ended, 0 while the run is live. */
  public long endedWallMs() {
    return endedWallMs;
  }

  /** Highest normalized prediction entropy seen, or -1 when the run never reported predictions. */
  public double maxPredictionEntropy() {
    return maxPredictionEntropy;
  }

  public LossHistory loss() {
    return loss;
  }

  public GradientHistory gradients() {
    return gradients;
  }

  /** What the run's mixed-precision loss scaler did. */
  public ScalerHistory scaler() {
    return scaler;
  }

  /** The loss's band and its current excursion above it. */
  public LossExcursion excursion() {
    return excursion;
  }

  /**
   * The framework name for hints ({@code dl4j}, {@code pytorch}, ...), {@code unknown} without
   * run_started.
   */
  public String framework() {
    return profile == null ? "unknown" : profile.framework();
  }

  /** The job, or {@code null}. */
  public String job() {
    return profile == null ? null : profile.job();
  }

  /** The declared loss, or {@code null}. */
  public LossDescriptor lossDescriptor() {
    return profile == null ? null : profile.loss();
  }

  /** The declared number of classes, or {@code null}. */
  public Integer numClasses() {
    return profile == null ? null : profile.numClasses();
  }

  /** The declared input range, or {@code null}. */
  public InputRange inputRange() {
    return profile == null ? null : profile.inputRange();
  }

  /**
   * What the run's inputs are: {@link InputEncoding#TOKEN_IDS} only when its run_started said so.
   */
  public InputEncoding inputEncoding() {
    return profile == null ? InputEncoding.FEATURES : profile.inputEncoding();
  }

  /**
   * The smallest legitimate loss: the declared bound, {@link LossDescriptor#DEFAULT_LOWER_BOUND}
   * when none was declared, or negative infinity when the loss is declared unbounded below.
   */
  public double lossLowerBound() {
    LossDescriptor d = lossDescriptor();
    if (d == null) {
      return LossDescriptor.DEFAULT_LOWER_BOUND;
    }
    return d.unboundedBelow() ? Double.NEGATIVE_INFINITY : d.lowerBound();
  }

  /** The lifecycle state of the rule with this code. */
  public AlertTrack track(int ruleCode) {
    AlertTrack t = tracks[ruleCode];
    return t == null ? AlertTrack.NEW : t;
  }

  /** Replaces the lifecycle state of the rule with this code. */
  public void setTrack(int ruleCode, AlertTrack track) {
    tracks[ruleCode] = track == AlertTrack.NEW ? null : track;
  }

  /** {@code true} if any rule's alert is firing for this run, {@code false} otherwise. */
  public boolean anyFiring() {
    return Arrays.stream(tracks).anyMatch(t -> t != null && t.firing());
  }

  /**
   * A run_started: (re)declares the run. A run that had ended starts over with fresh histories,
   * keeping only alert revisions, so that alert ids stay unique per emission.
   */
  public static RunState started(RunState previous, RunProfile profile, long tsMs, long wallMs) {
    RunState s = previous == null || previous.ended ? new RunState() : previous;
    if (previous != null && previous.ended) {
      for (int i = 0; i < MAX_RULE_CODES; i++) {
        AlertTrack t = previous.tracks[i];
        s.tracks[i] = t == null ? null : t.inactive();
      }
    }
    s.profile = profile;
    s.lastTsMs = Math.max(s.lastTsMs, tsMs);
    s.lastEventWallMs = wallMs;
    return s;
  }

  /** Adds a batch to the histories (after the rules have evaluated it). */
  public void observe(BatchEvent b, long wallMs) {
    observe(b, wallMs, true);
  }

  /**
   * Adds a batch to the histories.
   *
   * <p>A step the loss scaler skipped ({@link ScalerHistory#skippedByScaler}) counts, and enters
   * the scaler's history, but stays out of the loss, gradient and prediction histories: its
   * gradients were not finite by design, and its update never happened.
   *
   * @param lossIsACurve {@code false} while the loss is known not to be a training curve (an alert
   *     says it is non-finite or below its bound): it is then kept out of the loss history, which
   *     stays a picture of training
   */
  public void observe(BatchEvent b, long wallMs, boolean lossIsACurve) {
    batches++;
    lastStep = b.step();
    if (firstTsMs < 0) {
      firstTsMs = b.tsMs();
    }
    lastTsMs = Math.max(lastTsMs, b.tsMs());
    lastEventWallMs = wallMs;
    scaler.observe(b);
    if (ScalerHistory.skippedByScaler(b)) {
      return;
    }
    if (lossIsACurve) {
      loss.observe(b.loss());
    }
    gradients.observe(b.gradNorm());
    if (b.predictions() != null) {
      maxPredictionEntropy = (float) Math.max(maxPredictionEntropy, b.predictions().entropy());
    }
  }

  /** A run_ended. */
  public void end(long tsMs, long wallMs) {
    ended = true;
    endedWallMs = wallMs;
    lastTsMs = Math.max(lastTsMs, tsMs);
    lastEventWallMs = wallMs;
  }
}
