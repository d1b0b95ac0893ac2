package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Stats;
import java.util.List;
import java.util.Optional;

/**
 * {@code negative_loss} (critical): the loss is below the run's declared lower bound (0 when the
 * run declared no loss or no bound). A loss declared unbounded below ({@code lower_bound: null}:
 * Gaussian NLL, Wasserstein) never fires; a declared negative bound (cosine proximity: -1) fires
 * only below it.
 *
 * <p>Diagnoses, from the evidence:
 *
 * <ul>
 *   <li>{@code softmax_into_nll}: outputs in [0, 1] whose rows sum to about 1 (softmax
 *       probabilities) under a loss that expects log-probabilities. The loss is then
 *       -mean(p[target]), in [-1, 0].
 *   <li>{@code logits_into_nll}: outputs with positive values under a loss that expects
 *       log-probabilities. Log-probabilities are never above 0, so these are raw scores (logits);
 *       the loss is then -mean(score[target]), which the optimizer drives down without limit by
 *       raising the target's score (the loss runs to -1e20 and beyond).
 *   <li>{@code labels_out_of_range}: a cross-entropy loss, which is >= 0 only for labels in [0, 1].
 *   <li>{@code kl_div_inputs}: a KL divergence given probabilities, or a target that does not sum
 *       to 1.
 *   <li>{@code loss_below_bound}: anything else, including a loss that is legitimately negative but
 *       not declared so.
 * </ul>
 */
public final class NegativeLossRule implements Rule {

  /** How far below the bound the loss must be, absorbing rounding in the loss computation. */
  public static final Param TOLERANCE =
      Param.number(
          "tolerance",
          1e-6,
          0,
          1e9,
          "How far below the lower bound the loss must be to count, absorbing floating-point rounding.");

  public static final String SOFTMAX_INTO_NLL = "softmax_into_nll";
  public static final String LOGITS_INTO_NLL = "logits_into_nll";
  public static final String LABELS_OUT_OF_RANGE = "labels_out_of_range";
  public static final String KL_DIV_INPUTS = "kl_div_inputs";
  public static final String LOSS_BELOW_BOUND = "loss_below_bound";

  /** How close to 1 the mean row sum must be to call the outputs softmax probabilities. */
  static final double ROW_SUM_TOLERANCE = 0.01;

  private static final double PROBABILITY_SLACK = 1e-6;

  private static final RuleSpec SPEC = RuleSpec.of(RuleId.NEGATIVE_LOSS, 3, 20, TOLERANCE);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(
        SOFTMAX_INTO_NLL, LOGITS_INTO_NLL, LABELS_OUT_OF_RANGE, KL_DIV_INPUTS, LOSS_BELOW_BOUND);
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    double bound = run.lossLowerBound();
    double loss = batch.loss();
    if (!Double.isFinite(loss) || !(loss < bound - settings.number(TOLERANCE))) {
      return Optional.empty(); // includes bound = -infinity: declared unbounded below
    }
    LossDescriptor declared = run.lossDescriptor();
    Stats out = batch.output();
    return Optional.of(
        Finding.of(diagnose(run, batch), loss)
            .put("loss", loss)
            .put("lower_bound", bound)
            .put("loss_name", declared == null ? null : declared.name())
            .put("output_min", out.min())
            .put("output_max", out.max())
            .putIfPresent("output_row_sum_mean", out.rowSumMean())
            .putIfPresent("output_row_sum_std", out.rowSumStd())
            .build());
  }

  private static String diagnose(RunState run, BatchEvent batch) {
    LossDescriptor declared = run.lossDescriptor();
    boolean probabilities = looksLikeSoftmax(batch.output(), declared);
    if (LossFamily.expectsLogProbabilities(declared, run.framework())) {
      if (probabilities) {
        return SOFTMAX_INTO_NLL;
      }
      // Log-probabilities are <= 0: outputs above 0 are raw scores (logits, or any other activation
      // but log-softmax), and -score[target] has no lower bound. Outputs <= 0 with a loss below 0:
      // the targets are what is wrong.
      return batch.output().max() > PROBABILITY_SLACK ? LOGITS_INTO_NLL : LABELS_OUT_OF_RANGE;
    }
    // Nothing declared, softmax-looking outputs and a loss in [-1, 0]: the textbook signature,
    // -mean(p[target]).
    if (probabilities && declared == null && batch.loss() >= -1 - PROBABILITY_SLACK) {
      return SOFTMAX_INTO_NLL;
    }
    switch (LossFamily.of(declared)) {
      case KL_DIVERGENCE:
        return KL_DIV_INPUTS;
      case NLL:
      case CROSS_ENTROPY:
      case BINARY_CROSS_ENTROPY:
        return LABELS_OUT_OF_RANGE;
      default:
        return LOSS_BELOW_BOUND;
    }
  }

  /**
   * Outputs in [0, 1] with rows summing to about 1, or declared softmax when row sums are not
   * published.
   */
  static boolean looksLikeSoftmax(Stats out, LossDescriptor declared) {
    if (!(out.min() >= -PROBABILITY_SLACK && out.max() <= 1 + PROBABILITY_SLACK)) {
      return false;
    }
    if (out.rowSumMean() != null) {
      boolean sumsToOne = Math.abs(out.rowSumMean() - 1) <= ROW_SUM_TOLERANCE;
      boolean steady = out.rowSumStd() == null || out.rowSumStd() <= ROW_SUM_TOLERANCE;
      return sumsToOne && steady;
    }
    String activation = declared == null ? null : declared.activation();
    return activation == null || activation.equalsIgnoreCase("softmax");
  }
}
