package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.GradientHistory;
import io.trainwatch.monitor.run.LossHistory;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code vanishing_gradient} (warning): while the loss is still far from its lower bound, for
 * {@code for_batches} consecutive batches, either
 *
 * <ul>
 *   <li>the first trainable layer's gradient norm ({@code first_layer_grad_norm}) is below {@code
 *       min_first_layer_ratio} (1e-5) times the whole gradient's ({@code grad_norm}): the gradient
 *       dies on its way back through the network while the last layers still learn and keep {@code
 *       grad_norm} up. A ratio within one batch needs no history, so this is judged from the first
 *       batch; or
 *   <li>after {@code warmup_batches}, the whole gradient norm has fallen below {@code min_ratio}
 *       (1e-4) times its early level (or below {@code min_norm}): every layer stopped learning.
 *       This is all the rule can see when a trainer sends no {@code first_layer_grad_norm}.
 * </ul>
 *
 * <p>Gradients shrink legitimately as a run converges, so a run that has covered {@code
 * max_progress} of the way from its start level to its lower bound is not judged. Needs {@code
 * grad_norm}.
 *
 * <p>Diagnoses: {@code first_layer_gradient_vanished} (saturated sigmoid/tanh stacks, too-small
 * initialization, dead first-layer units or a learning signal cut off before the first layer),
 * {@code gradient_vanished} (the whole gradient).
 */
public final class VanishingGradientRule implements Rule {

  public static final Param WARMUP_BATCHES =
      Param.integer(
          "warmup_batches",
          20,
          1,
          1_000_000,
          "Gradient norms the run must have reported before the whole-gradient condition judges it (the first-layer "
              + "ratio needs no warm-up).");
  public static final Param MIN_RATIO =
      Param.number(
          "min_ratio",
          1e-4,
          0,
          1,
          "Fire when the gradient norm is below this fraction of its early level (the first 10 norms).");
  public static final Param MIN_NORM =
      Param.number("min_norm", 1e-10, 0, 1e300, "Also fire below this absolute gradient norm.");
  public static final Param MAX_PROGRESS =
      Param.number(
          "max_progress",
          0.5,
          0,
          1,
          "Only fire while the loss has covered less than this fraction of the way from its start to its lower bound "
              + "(runs with a loss unbounded below are judged on gradients only).");
  public static final Param MIN_FIRST_LAYER_RATIO =
      Param.number(
          "min_first_layer_ratio",
          1e-5,
          0,
          1,
          "Fire when the first trainable layer's gradient norm (first_layer_grad_norm) is below this fraction of the "
              + "whole gradient norm in the same batch; 0 = off.");

  public static final String FIRST_LAYER_GRADIENT_VANISHED = "first_layer_gradient_vanished";
  public static final String GRADIENT_VANISHED = "gradient_vanished";

  // Parameters are only ever appended: their positions are persisted in per-run overrides.
  private static final RuleSpec SPEC =
      RuleSpec.of(
          RuleId.VANISHING_GRADIENT,
          5,
          20,
          WARMUP_BATCHES,
          MIN_RATIO,
          MIN_NORM,
          MAX_PROGRESS,
          MIN_FIRST_LAYER_RATIO);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(FIRST_LAYER_GRADIENT_VANISHED, GRADIENT_VANISHED);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    return batch.gradNorm() != null
        && Double.isFinite(batch.gradNorm())
        && (hasFirstLayerRatio(batch)
            || run.gradients().count() >= settings.integer(WARMUP_BATCHES));
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    double g = batch.gradNorm();
    boolean firstLayerVanished =
        hasFirstLayerRatio(batch)
            && batch.firstLayerGradNorm() < settings.number(MIN_FIRST_LAYER_RATIO) * g;
    GradientHistory grads = run.gradients();
    double early = grads.initialNorm();
    boolean wholeVanished =
        grads.count() >= settings.integer(WARMUP_BATCHES)
            && g < Math.max(settings.number(MIN_NORM), settings.number(MIN_RATIO) * early);
    if (!firstLayerVanished && !wholeVanished) {
      return Optional.empty();
    }
    Double progress = progress(run);
    if (progress != null && progress >= settings.number(MAX_PROGRESS)) {
      return Optional.empty(); // converging: small gradients are expected
    }
    if (firstLayerVanished) {
      double first = batch.firstLayerGradNorm();
      return Optional.of(
          Finding.of(FIRST_LAYER_GRADIENT_VANISHED, first / g)
              .put("first_layer_grad_norm", first)
              .put("grad_norm", g)
              .put("first_layer_ratio", first / g)
              .put("min_first_layer_ratio", settings.number(MIN_FIRST_LAYER_RATIO))
              .put("loss", batch.loss())
              .put("progress", progress)
              .putIfPresent("lr", batch.lr())
              .build());
    }
    return Optional.of(
        Finding.of(GRADIENT_VANISHED, g)
            .put("grad_norm", g)
            .put("early_grad_norm", early)
            .put("ratio", g / early)
            .put("loss", batch.loss())
            .put("progress", progress)
            .putIfPresent("lr", batch.lr())
            .build());
  }

  /**
   * {@code true} if the batch carries a first-layer norm that can be compared with a positive,
   * finite whole norm (a NaN or infinite gradient is other rules' business), {@code false}
   * otherwise.
   */
  private static boolean hasFirstLayerRatio(BatchEvent batch) {
    Double first = batch.firstLayerGradNorm();
    return first != null
        && Double.isFinite(first)
        && batch.gradNorm() != null
        && batch.gradNorm() > 0
        && Double.isFinite(batch.gradNorm());
  }

  /**
   * How far the smoothed loss has come from its start towards its lower bound, or null when
   * unknown.
   */
  private static Double progress(RunState run) {
    LossHistory h = run.loss();
    double bound = run.lossLowerBound();
    double range = h.initialLevel() - bound;
    if (!Double.isFinite(bound) || !(range > 0)) {
      return null;
    }
    return (h.initialLevel() - h.ema()) / range;
  }
}
