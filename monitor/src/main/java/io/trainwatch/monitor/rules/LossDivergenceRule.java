package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.LossHistory;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code loss_divergence} (error): the loss has climbed well above the best level the run reached,
 * for {@code for_batches} consecutive batches.
 *
 * <p>The comparison is additive and robust, so it works for losses near or below zero (no ratio to
 * a mean): the batch's loss must exceed the lowest smoothed loss so far by more than {@code
 * max(sigmas * noise, progress_fraction * progress)}, where noise is a robust estimate of the
 * batch-to-batch noise (median absolute deviation of consecutive differences, which a steady climb
 * does not inflate; the larger of its value when the best level was reached and its current value)
 * and progress is how far the loss had come down from its start. Noisy small-batch curves stay well
 * inside the band; a learning rate that blows the loss up leaves it within a few batches.
 *
 * <p>Diagnoses: {@code loss_rising} (the smoothed loss itself has risen: a sustained climb) and
 * {@code loss_spike} (a sudden jump the smoothed loss has not followed yet).
 */
public final class LossDivergenceRule implements Rule {

  public static final Param WARMUP_BATCHES =
      Param.integer(
          "warmup_batches",
          20,
          2,
          1_000_000,
          "Finite losses the run must have reported before the rule judges it.");
  public static final Param SIGMAS =
      Param.number(
          "sigmas",
          6,
          0,
          1e6,
          "How many noise standard deviations above the best smoothed loss count as divergence.");
  public static final Param PROGRESS_FRACTION =
      Param.number(
          "progress_fraction",
          0.25,
          0,
          1e6,
          "The rise must also exceed this fraction of the progress the run had made (start level - best level).");

  public static final String LOSS_RISING = "loss_rising";
  public static final String LOSS_SPIKE = "loss_spike";

  /**
   * A floor relative to the loss's magnitude, so that a perfectly flat loss does not fire on
   * rounding.
   */
  private static final double RELATIVE_FLOOR = 1e-3;

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.LOSS_DIVERGENCE, 3, 20, WARMUP_BATCHES, SIGMAS, PROGRESS_FRACTION);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(LOSS_RISING, LOSS_SPIKE);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    return Double.isFinite(batch.loss())
        && run.loss().finiteCount() >= settings.integer(WARMUP_BATCHES);
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    LossHistory h = run.loss();
    double best = h.emaMin();
    double noise = Math.max(h.noiseAtMin(), h.recentNoise());
    double progress = Math.max(0, h.initialLevel() - best);
    double floor = RELATIVE_FLOOR * Math.max(Math.abs(best), Math.abs(h.initialLevel()));
    double threshold =
        Math.max(
            floor,
            Math.max(
                settings.number(SIGMAS) * noise, settings.number(PROGRESS_FRACTION) * progress));
    double rise = batch.loss() - best;
    if (!(rise > threshold)) {
      return Optional.empty();
    }
    String diagnosis = h.ema() - best > threshold ? LOSS_RISING : LOSS_SPIKE;
    return Optional.of(
        Finding.of(diagnosis, batch.loss())
            .put("loss", batch.loss())
            .put("best_loss", best)
            .put("rise", rise)
            .put("threshold", threshold)
            .put("smoothed_loss", h.ema())
            .put("initial_loss", h.initialLevel())
            .put("noise", noise)
            .putIfPresent("lr", batch.lr())
            .putIfPresent("grad_norm", batch.gradNorm())
            .build());
  }
}
