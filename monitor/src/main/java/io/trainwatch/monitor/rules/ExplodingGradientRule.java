package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.GradientHistory;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code exploding_gradient} (error): the gradient norm is non-finite, or more than {@code
 * max_ratio} (100) times its baseline, or above {@code max_norm} when that is set, for {@code
 * for_batches} consecutive batches. The baseline is the larger of a log-space moving average that
 * spikes do not drag along and the early level (the first 10 norms). Needs {@code grad_norm}.
 *
 * <p>Diagnoses: {@code gradient_spike}, {@code nonfinite_gradient}.
 */
public final class ExplodingGradientRule implements Rule {

  public static final Param WARMUP_BATCHES =
      Param.integer(
          "warmup_batches",
          10,
          1,
          1_000_000,
          "Gradient norms the run must have reported before the rule judges it.");
  public static final Param MAX_RATIO =
      Param.number(
          "max_ratio",
          100,
          1,
          1e12,
          "Fire when the gradient norm exceeds this multiple of its running baseline.");
  public static final Param MAX_NORM =
      Param.number(
          "max_norm",
          0,
          0,
          1e300,
          "Also fire above this absolute gradient norm; 0 = no absolute limit.");

  public static final String GRADIENT_SPIKE = "gradient_spike";
  public static final String NONFINITE_GRADIENT = "nonfinite_gradient";

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.EXPLODING_GRADIENT, 3, 20, WARMUP_BATCHES, MAX_RATIO, MAX_NORM);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(NONFINITE_GRADIENT, GRADIENT_SPIKE);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    return batch.gradNorm() != null && run.gradients().count() >= settings.integer(WARMUP_BATCHES);
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    double g = batch.gradNorm();
    GradientHistory h = run.gradients();
    // Never below the early level: once a run converges its gradients can shrink a thousandfold,
    // and a normal-sized
    // gradient from one hard batch is not an explosion.
    double baseline = Math.max(h.baselineNorm(), h.initialNorm());
    double maxNorm = settings.number(MAX_NORM);
    String diagnosis;
    if (!Double.isFinite(g)) {
      diagnosis = NONFINITE_GRADIENT;
    } else if (g > settings.number(MAX_RATIO) * baseline || (maxNorm > 0 && g > maxNorm)) {
      diagnosis = GRADIENT_SPIKE;
    } else {
      return Optional.empty();
    }
    return Optional.of(
        Finding.of(diagnosis, g)
            .put("grad_norm", g)
            .put("baseline_grad_norm", baseline)
            .put("ratio", g / baseline)
            .put("loss", batch.loss())
            .putIfPresent("lr", batch.lr())
            .build());
  }
}
