package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.LossExcursion;
import io.trainwatch.monitor.run.LossHistory;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code loss_divergence} (error): the loss left the band around the best level the run reached and
 * has not come back within {@code recovery_batches} batches.
 *
 * <p>The band is additive and robust, so it works for losses near or below zero (no ratio to a
 * mean): a batch's loss is out of line when it exceeds the lowest smoothed loss so far by more than
 * {@code max(sigmas * noise, progress_fraction * progress)}, where noise is a robust estimate of
 * the batch-to-batch noise (median absolute deviation of consecutive differences, which a steady
 * climb does not inflate; the larger of its value when the best level was reached and its current
 * value) and progress is how far the loss had come down from its start. The band is computed after
 * every batch ({@link #band}) and kept in the run's {@link LossExcursion}, with the excursion the
 * loss is on.
 *
 * <p>An excursion out of the band is first a {@code loss_spike} (warning): many recover by
 * themselves (BLOOM's did in about 30 steps). This rule fires only once an excursion has lasted
 * {@code recovery_batches} batches and the batch is still out of line; its evidence names the
 * onset, the last good step and the peak, and the hint the PaLM recipe (restart from a checkpoint
 * about 100 steps before the onset and skip the batches around it).
 *
 * <p>Diagnoses: {@code loss_rising} (the excursion began with the smoothed loss already climbing: a
 * sustained climb) and {@code loss_spike} (it began with a sudden jump, which never came back).
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
  public static final Param RECOVERY_BATCHES =
      Param.integer(
          "recovery_batches",
          30,
          0,
          1_000_000,
          "Batches a loss excursion (a loss_spike) has to come back into the band before it counts as divergence.");

  public static final String LOSS_RISING = "loss_rising";
  public static final String LOSS_SPIKE = "loss_spike";

  /** How far before the onset the PaLM recipe restarts from. */
  public static final int RESTART_BEFORE_ONSET = 100;

  /** How many batches after the restart point the PaLM recipe skips (PaLM skipped 200 to 500). */
  public static final int SKIP_BATCHES = 300;

  /**
   * A floor relative to the loss's magnitude, so that a perfectly flat loss does not fire on
   * rounding.
   */
  private static final double RELATIVE_FLOOR = 1e-3;

  private static final RuleSpec SPEC =
      RuleSpec.of(
          RuleId.LOSS_DIVERGENCE,
          1,
          20,
          WARMUP_BATCHES,
          SIGMAS,
          PROGRESS_FRACTION,
          RECOVERY_BATCHES);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(LOSS_RISING, LOSS_SPIKE);
  }

  /**
   * The band of a loss history under these settings ({@code loss_divergence}'s), or {@code null}
   * while the history has fewer than {@code warmup_batches} finite losses.
   */
  public static LossExcursion.Band band(LossHistory h, RuleSettings settings) {
    if (h.finiteCount() < settings.integer(WARMUP_BATCHES)) {
      return null;
    }
    double best = h.emaMin();
    double noise = Math.max(h.noiseAtMin(), h.recentNoise());
    double progress = Math.max(0, h.initialLevel() - best);
    double floor = RELATIVE_FLOOR * Math.max(Math.abs(best), Math.abs(h.initialLevel()));
    double threshold =
        Math.max(
            floor,
            Math.max(
                settings.number(SIGMAS) * noise, settings.number(PROGRESS_FRACTION) * progress));
    return new LossExcursion.Band(best, threshold, h.ema(), noise);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    return Double.isFinite(batch.loss()) && run.excursion().band() != null;
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    LossExcursion x = run.excursion();
    LossExcursion.Band band = x.band();
    if (!band.above(batch.loss())) {
      return Optional.empty();
    }
    long onset = x.active() ? x.onsetStep() : batch.step();
    long recovery = settings.integer(RECOVERY_BATCHES);
    if (batch.step() - onset < recovery) {
      return Optional.empty();
    }
    boolean rising = x.active() ? x.risingAtOnset() : !band.suddenJump(batch.loss());
    double peak = x.active() ? Math.max(x.peakLoss(), batch.loss()) : batch.loss();
    long restartFrom = Math.max(0, onset - RESTART_BEFORE_ONSET);
    return Optional.of(
        Finding.of(rising ? LOSS_RISING : LOSS_SPIKE, batch.loss())
            .put("loss", batch.loss())
            .put("best_loss", band.best())
            .put("rise", batch.loss() - band.best())
            .put("threshold", band.threshold())
            .put("smoothed_loss", run.loss().ema())
            .put("initial_loss", run.loss().initialLevel())
            .put("noise", band.noise())
            .put("onset_step", onset)
            .put("last_good_step", x.lastGoodStep() < 0 ? null : x.lastGoodStep())
            .put("peak_loss", peak)
            .put(
                "peak_step",
                x.active() && x.peakLoss() >= batch.loss() ? x.peakStep() : batch.step())
            .put("batches_since_onset", batch.step() - onset)
            .put("recovery_batches", recovery)
            .put("restart_from_step", restartFrom)
            .put("skip_batches_to", Math.max(restartFrom + SKIP_BATCHES, batch.step()))
            .putIfPresent("lr", batch.lr())
            .putIfPresent("grad_norm", batch.gradNorm())
            .build());
  }
}
