package io.trainwatch.app.evaluate;

import io.trainwatch.monitor.rules.LossDivergenceRule;
import io.trainwatch.monitor.rules.LossPlateauRule;
import io.trainwatch.monitor.rules.OutputCollapseRule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;

/**
 * Where a scenario's detection delay is counted from. Most faults show in the very batch they begin
 * (or the next: a learning rate changed at step N first shows in batch N+1's loss), so the delay is
 * counted from the onset. Two cannot show that early, whatever the rule, and saying otherwise would
 * be pretending: a plateau is the absence of progress over a window, and a label fault changes
 * predictions only once the network has learned from the labels.
 */
public enum DelayOrigin {
  /** The fault's onset step. */
  ONSET("onset"),
  /**
   * The first step at which {@code loss_plateau} can judge the fault: the loss must have been flat
   * for a whole {@code window} after the {@code warmup_batches}, so no detector of "no progress
   * over W batches" can speak before {@code max(onset, warmup) + window}.
   */
  PLATEAU_DECIDABLE("decidable"),
  /**
   * The first batch at or after the onset in which at least {@code max_top_fraction} of the rows
   * predict one class: the predictions of a network fed broken labels follow them only after a few
   * updates.
   */
  PREDICTIONS_COLLAPSED("collapsed"),
  /**
   * The end of {@code loss_divergence}'s {@code recovery_batches} after the onset: a loss spike
   * that may still recover by itself must not page, so no page can come before the window is over.
   */
  RECOVERY_WINDOW("recovery window"),
  /**
   * A stalled run sends no batch to count: the delay is the silence, in seconds, the monitor
   * measured when it fired, and the bar is the configured {@code stall_seconds} plus the slack
   * {@link ScenarioResult#STALL_SLACK_SECONDS}.
   */
  LAST_EVENT("last event");

  private final String label;

  DelayOrigin(String label) {
    this.label = label;
  }

  /** A short name for the report. */
  public String label() {
    return label;
  }

  /**
   * {@code true} if the delay is counted in batches, {@code false} if in seconds ({@link
   * #LAST_EVENT}).
   */
  public boolean inBatches() {
    return this != LAST_EVENT;
  }

  /**
   * The step the delay is counted from.
   *
   * @param settings the rule settings the monitor applied to the run
   * @param batches the batches the run published, in order
   * @return the origin step; the onset when the origin never came (the predictions never collapsed)
   *     or is not a step
   */
  public long originStep(Scenario scenario, RunSettings settings, List<BatchEvent> batches) {
    int onset = scenario.onsetStep();
    switch (this) {
      case PLATEAU_DECIDABLE -> {
        var plateau = settings.get(RuleId.LOSS_PLATEAU);
        return Math.max(onset, plateau.integer(LossPlateauRule.WARMUP_BATCHES))
            + plateau.integer(LossPlateauRule.WINDOW);
      }
      case RECOVERY_WINDOW -> {
        return onset
            + settings.get(RuleId.LOSS_DIVERGENCE).integer(LossDivergenceRule.RECOVERY_BATCHES);
      }
      case PREDICTIONS_COLLAPSED -> {
        double top =
            settings.get(RuleId.OUTPUT_COLLAPSE).number(OutputCollapseRule.MAX_TOP_FRACTION);
        return batches.stream()
            .filter(
                b ->
                    b.step() >= onset
                        && b.predictions() != null
                        && b.predictions().topClassFraction() >= top)
            .mapToLong(BatchEvent::step)
            .findFirst()
            .orElse(onset);
      }
      default -> {
        return onset;
      }
    }
  }
}
