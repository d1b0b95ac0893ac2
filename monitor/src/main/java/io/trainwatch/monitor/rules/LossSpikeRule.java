package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.LossExcursion;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code loss_spike} (warning): the loss jumped out of the band around the best level the run
 * reached (the band of {@code loss_divergence}, see {@link LossDivergenceRule#band}) for {@code
 * for_batches} consecutive batches. Many spikes recover by themselves within a few dozen steps
 * (BLOOM's did in about 30), so this is a warning that resolves once the loss is back in the band
 * for {@code resolve_after_batches} batches; one incident is one alert however long it lasts. A
 * spike that has not recovered after {@code loss_divergence.recovery_batches} becomes a {@code
 * loss_divergence} (error), which silences this rule.
 *
 * <p>Diagnoses: {@code sudden_spike} (the loss jumped more than twice the band above the best level
 * while its smoothed level was still near the best) and {@code gradual_rise} (it crept up to the
 * band's edge).
 */
public final class LossSpikeRule implements Rule {

  public static final String SUDDEN_SPIKE = "sudden_spike";
  public static final String GRADUAL_RISE = "gradual_rise";

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.LOSS_SPIKE, 3, LossExcursion.RECOVERED_BATCHES);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(SUDDEN_SPIKE, GRADUAL_RISE);
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
    boolean rising = x.active() ? x.risingAtOnset() : !band.suddenJump(batch.loss());
    long onset = x.active() ? x.onsetStep() : batch.step();
    double peak = x.active() ? Math.max(x.peakLoss(), batch.loss()) : batch.loss();
    return Optional.of(
        Finding.of(rising ? GRADUAL_RISE : SUDDEN_SPIKE, batch.loss())
            .put("loss", batch.loss())
            .put("best_loss", band.best())
            .put("rise", batch.loss() - band.best())
            .put("threshold", band.threshold())
            .put("noise", band.noise())
            .put("onset_step", onset)
            .put("last_good_step", x.lastGoodStep() < 0 ? null : x.lastGoodStep())
            .put("peak_loss", peak)
            .putIfPresent("lr", batch.lr())
            .putIfPresent("grad_norm", batch.gradNorm())
            .build());
  }
}
