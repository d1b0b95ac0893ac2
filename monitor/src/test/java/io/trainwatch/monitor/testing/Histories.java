package io.trainwatch.monitor.testing;

import io.trainwatch.monitor.rules.LossDivergenceRule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.ScalerHistory;
import io.trainwatch.schemas.BatchEvent;

/**
 * Adds a batch to a run's histories the way the evaluator does after the rules have judged it: the
 * loss excursion, the histories, then the band the next batch is judged against (with {@code
 * loss_divergence}'s default settings).
 */
public final class Histories {

  private Histories() {}

  /** Observes {@code batch} as a healthy evaluator would. */
  public static void observe(RunState run, BatchEvent batch) {
    if (!ScalerHistory.skippedByScaler(batch)) {
      run.excursion().observe(batch.step(), batch.loss());
    }
    run.observe(batch, batch.step());
    run.excursion()
        .rebase(
            LossDivergenceRule.band(
                run.loss(), Rules.get(RuleId.LOSS_DIVERGENCE).spec().defaults()));
  }
}
