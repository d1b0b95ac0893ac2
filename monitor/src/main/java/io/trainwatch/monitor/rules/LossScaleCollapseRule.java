package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.ScalerHistory;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code loss_scale_collapse} (error): the mixed-precision loss scaler keeps skipping steps, so the
 * gradients are really not finite and training has stopped. Under dynamic loss scaling a skipped
 * step is normal: the scaler tried a scale too large for fp16, halves it and drops that one update
 * (6 of the first 10 steps while it calibrates down from its initial scale, an isolated one now and
 * then when it grows again). Those never alert. It fires when this step is skipped and
 *
 * <ul>
 *   <li>it is the {@code consecutive_skips}-th skipped step in a row after the run had applied
 *       steps (the scale had found its level, and halving it that many times has not helped), or
 *   <li>the {@code startup_skips}-th in a row from the run's first step (no scale small enough at
 *       all: 32 halvings take Megatron's initial 2^32 down to 1), or
 *   <li>the scale has fallen to {@code min_scale} or below (where DeepSpeed gives up with "cannot
 *       decrease scale anymore"; PyTorch's GradScaler has no floor and keeps halving).
 * </ul>
 *
 * <p>Judges only batches that report a scaler ({@code skipped} or {@code loss_scale}); it is the
 * one rule that sees skipped steps. A step the scaler applies is clear.
 *
 * <p>Diagnoses: {@code nonfinite_forward} (the loss itself is not finite on the skipped steps: the
 * forward pass overflows fp16) and {@code nonfinite_gradients} (finite loss, gradients non-finite
 * at every scale: the backward pass).
 */
public final class LossScaleCollapseRule implements Rule {

  public static final Param CONSECUTIVE_SKIPS =
      Param.integer(
          "consecutive_skips",
          5,
          2,
          1_000_000,
          "Consecutive skipped steps, after the run had applied steps, that mean the gradients are not finite at any scale.");
  public static final Param STARTUP_SKIPS =
      Param.integer(
          "startup_skips",
          32,
          2,
          1_000_000,
          "The same from the run's first step, while the scaler calibrates down from its initial scale.");
  public static final Param MIN_SCALE =
      Param.number(
          "min_scale",
          1,
          0,
          1e300,
          "Fire when a step is skipped at a scale at or below this one after the scale fell (0 = never).");

  public static final String NONFINITE_FORWARD = "nonfinite_forward";
  public static final String NONFINITE_GRADIENTS = "nonfinite_gradients";

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.LOSS_SCALE_COLLAPSE, 1, 20, CONSECUTIVE_SKIPS, STARTUP_SKIPS, MIN_SCALE);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(NONFINITE_FORWARD, NONFINITE_GRADIENTS);
  }

  @Override
  public boolean judgesSkippedSteps() {
    return true;
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    return ScalerHistory.reportsScaler(batch);
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    if (!ScalerHistory.skippedByScaler(batch)) {
      return Optional.empty();
    }
    ScalerHistory h = run.scaler();
    int streak = h.streak() + 1;
    boolean fromStart = h.streak() == 0 ? h.clean() == 0 : h.streakFromStart();
    long limit = settings.integer(fromStart ? STARTUP_SKIPS : CONSECUTIVE_SKIPS);
    Double scale = batch.lossScale();
    double minScale = settings.number(MIN_SCALE);
    boolean atFloor = scale != null && minScale > 0 && scale <= minScale && scale < h.maxScale();
    if (streak < limit && !atFloor) {
      return Optional.empty();
    }
    long streakStart = h.streak() == 0 ? batch.step() : h.streakStartStep();
    Double startScale =
        h.streak() == 0 ? scale : Double.isNaN(h.streakStartScale()) ? null : h.streakStartScale();
    return Optional.of(
        Finding.of(Double.isFinite(batch.loss()) ? NONFINITE_GRADIENTS : NONFINITE_FORWARD, streak)
            .put("consecutive_skips", streak)
            .put("first_skipped_step", streakStart)
            .put("onset_step", streakStart)
            .put("loss_scale", scale)
            .put("scale_before", startScale)
            .put("max_loss_scale", Double.isNaN(h.maxScale()) ? scale : (Double) h.maxScale())
            .put("skipped_steps", h.skipped() + 1)
            .put("applied_steps", h.clean())
            .put("loss", batch.loss())
            .putIfPresent("grad_norm", batch.gradNorm())
            .putIfPresent("lr", batch.lr())
            .build());
  }
}
