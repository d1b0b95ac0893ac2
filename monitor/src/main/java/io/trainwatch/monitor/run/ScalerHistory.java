package io.trainwatch.monitor.run;

import io.trainwatch.schemas.BatchEvent;

/**
 * What a run's mixed-precision loss scaler did: how many steps it skipped, the current run of
 * consecutive skips, and the scale. Skipped steps are normal under dynamic loss scaling (the scaler
 * tried a scale too large for fp16 and halves it); a long run of them, the scale falling towards
 * nothing, means the gradients are really not finite and training has stopped.
 */
public final class ScalerHistory {

  long skipped;
  long clean;
  int streak;
  long streakStartStep = -1;
  double streakStartScale = Double.NaN;
  boolean streakFromStart;
  double lastScale = Double.NaN;
  double maxScale = Double.NaN;

  /**
   * {@code true} if the loss scaler skipped this step, {@code false} otherwise: the trainer said so
   * ({@code skipped}), or, from a trainer that sends {@code loss_scale} but not {@code skipped},
   * the gradient norm is not finite while the loss is (a scaler always skips such a step).
   */
  public static boolean skippedByScaler(BatchEvent b) {
    if (b.skipped() != null) {
      return b.skipped();
    }
    return b.lossScale() != null
        && Double.isFinite(b.loss())
        && b.gradNorm() != null
        && !Double.isFinite(b.gradNorm());
  }

  /** {@code true} if the batch says anything about a loss scaler, {@code false} otherwise. */
  public static boolean reportsScaler(BatchEvent b) {
    return b.skipped() != null || b.lossScale() != null;
  }

  /** Adds a batch that reports a scaler ({@link #reportsScaler}); others are ignored. */
  public void observe(BatchEvent b) {
    if (!reportsScaler(b)) {
      return;
    }
    Double scale = b.lossScale();
    if (skippedByScaler(b)) {
      if (streak == 0) {
        streakStartStep = b.step();
        streakStartScale = scale == null ? Double.NaN : scale;
        streakFromStart = clean == 0;
      }
      streak = streak == Integer.MAX_VALUE ? streak : streak + 1;
      skipped++;
    } else {
      streak = 0;
      streakStartStep = -1;
      streakStartScale = Double.NaN;
      streakFromStart = false;
      clean++;
    }
    if (scale != null) {
      lastScale = scale;
      maxScale = Double.isNaN(maxScale) ? scale : Math.max(maxScale, scale);
    }
  }

  /** Steps the scaler skipped so far. */
  public long skipped() {
    return skipped;
  }

  /** Steps it applied (not skipped) so far. */
  public long clean() {
    return clean;
  }

  /** Consecutive skipped steps up to the last batch, 0 if the last was applied. */
  public int streak() {
    return streak;
  }

  /** Step of the first skip of the current streak, -1 without one. */
  public long streakStartStep() {
    return streakStartStep;
  }

  /** The scale at the first skip of the current streak, NaN when unknown. */
  public double streakStartScale() {
    return streakStartScale;
  }

  /**
   * {@code true} if the current streak began before the run's first applied step (the scaler
   * calibrating its scale down from a high initial value), {@code false} otherwise.
   */
  public boolean streakFromStart() {
    return streakFromStart;
  }

  /** The last scale reported, NaN before any. */
  public double lastScale() {
    return lastScale;
  }

  /** The highest scale reported, NaN before any. */
  public double maxScale() {
    return maxScale;
  }
}
