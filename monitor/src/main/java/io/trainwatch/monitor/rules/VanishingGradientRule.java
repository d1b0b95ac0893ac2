package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.GradientHistory;
import io.trainwatch.monitor.run.LossHistory;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code vanishing_gradient} (warning): the gradient norm has fallen below {@code min_ratio} (1e-4) times its early
 * level (or below {@code min_norm}) while the loss is still far from its lower bound, for {@code for_batches}
 * consecutive batches. Gradients shrink legitimately as a run converges, so a run that has covered
 * {@code max_progress} of the way from its start level to its lower bound is not judged. Needs {@code grad_norm}.
 *
 * <p>Diagnosis: {@code gradient_vanished} (saturated activations, dead ReLUs, too-small initialization, a learning
 * signal cut off).
 */
public final class VanishingGradientRule implements Rule {

  public static final Param WARMUP_BATCHES = Param.integer("warmup_batches", 20, 1, 1_000_000,
      "Gradient norms the run must have reported before the rule judges it.");
  public static final Param MIN_RATIO = Param.number("min_ratio", 1e-4, 0, 1,
      "Fire when the gradient norm is below this fraction of its early level (the first 10 norms).");
  public static final Param MIN_NORM = Param.number("min_norm", 1e-10, 0, 1e300,
      "Also fire below this absolute gradient norm.");
  public static final Param MAX_PROGRESS = Param.number("max_progress", 0.5, 0, 1,
      "Only fire while the loss has covered less than this fraction of the way from its start to its lower bound "
          + "(runs with a loss unbounded below are judged on gradients only).");

  public static final String GRADIENT_VANISHED = "gradient_vanished";

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.VANISHING_GRADIENT, 5, 20, WARMUP_BATCHES, MIN_RATIO, MIN_NORM, MAX_PROGRESS);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(GRADIENT_VANISHED);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    return batch.gradNorm() != null && Double.isFinite(batch.gradNorm())
        && run.gradients().count() >= settings.integer(WARMUP_BATCHES);
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    double g = batch.gradNorm();
    GradientHistory grads = run.gradients();
    double early = grads.initialNorm();
    if (!(g < Math.max(settings.number(MIN_NORM), settings.number(MIN_RATIO) * early))) {
      return Optional.empty();
    }
    Double progress = progress(run);
    if (progress != null && progress >= settings.number(MAX_PROGRESS)) {
      return Optional.empty(); // converging: small gradients are expected
    }
    return Optional.of(Finding.of(GRADIENT_VANISHED, g)
        .put("grad_norm", g)
        .put("early_grad_norm", early)
        .put("ratio", g / early)
        .put("loss", batch.loss())
        .put("progress", progress)
        .putIfPresent("lr", batch.lr())
        .build());
  }

  /** How far the smoothed loss has come from its start towards its lower bound, or null when unknown. */
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
