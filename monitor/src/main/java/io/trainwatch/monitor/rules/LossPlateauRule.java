package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.LossHistory;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code loss_plateau} (warning): after {@code warmup_batches}, the loss has not improved over the
 * last {@code window} batches <em>and</em> is still far from where it could be.
 *
 * <p>"Not improved": the mean loss of the latest 50 batches (two blocks of 25) is no more than
 * {@code min_improvement * range} below the mean of the 50 batches {@code window} batches earlier,
 * where range is the distance from the start level (mean of the first 5 losses) to the loss's lower
 * bound. "Far": the run has made less than {@code max_progress} of that range. A run that converged
 * has made most of the possible progress and never fires, however flat its curve; a network that
 * learns nothing sits near its start level and does. Block means average out small-batch noise.
 *
 * <p>Needs a finite lower bound: a loss declared unbounded below (Gaussian NLL...) is not judged.
 *
 * <p>Diagnoses: {@code not_learning} (less than 5% of the range covered: the network learns
 * nothing) and {@code stalled} (it learned a little, then stopped).
 */
public final class LossPlateauRule implements Rule {

  public static final Param WARMUP_BATCHES =
      Param.integer(
          "warmup_batches", 50, 0, 1_000_000, "Finite losses before the window starts counting.");
  public static final Param WINDOW =
      Param.integer(
          "window",
          200,
          LossHistory.BLOCK_SIZE * 2L,
          (long) LossHistory.BLOCK_SIZE * (LossHistory.BLOCKS - 2),
          "Batches over which the loss must improve (rounded up to whole blocks of 25 batches; 50 to 1150).");
  public static final Param MIN_IMPROVEMENT =
      Param.number(
          "min_improvement",
          0.01,
          0,
          1,
          "Smallest improvement over the window, as a fraction of the range from the start level to the lower bound.");
  public static final Param MAX_PROGRESS =
      Param.number(
          "max_progress",
          0.2,
          0,
          1,
          "Only fire while the run has covered less than this fraction of that range.");

  public static final String NOT_LEARNING = "not_learning";
  public static final String STALLED = "stalled";

  /** Progress below which the run is said to learn nothing at all. */
  static final double NO_PROGRESS = 0.05;

  // Resolved only after 100 clear batches (four blocks): one lucky block is not a recovery.
  private static final RuleSpec SPEC =
      RuleSpec.of(
          RuleId.LOSS_PLATEAU, 3, 100, WARMUP_BATCHES, WINDOW, MIN_IMPROVEMENT, MAX_PROGRESS);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(NOT_LEARNING, STALLED);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    LossHistory h = run.loss();
    int blocks = windowBlocks(settings);
    return Double.isFinite(run.lossLowerBound())
        && Double.isFinite(batch.loss())
        && h.finiteCount() >= settings.integer(WARMUP_BATCHES) + settings.integer(WINDOW)
        && h.completedBlocks() > blocks + 1;
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    LossHistory h = run.loss();
    double bound = run.lossLowerBound();
    double initial = h.initialLevel();
    double range = initial - bound;
    if (!(range > 0)) {
      return Optional.empty();
    }
    int blocks = windowBlocks(settings);
    // Two blocks (50 batches) on each side: block means of small-batch losses still wobble.
    double now = (h.blockMean(0) + h.blockMean(1)) / 2;
    double then = (h.blockMean(blocks) + h.blockMean(blocks + 1)) / 2;
    double improvement = (then - now) / range;
    double progress = (initial - now) / range;
    if (improvement >= settings.number(MIN_IMPROVEMENT)
        || progress >= settings.number(MAX_PROGRESS)) {
      return Optional.empty();
    }
    return Optional.of(
        Finding.of(progress < NO_PROGRESS ? NOT_LEARNING : STALLED, now)
            .put("loss", now)
            .put("loss_window_ago", then)
            .put("window", (long) blocks * LossHistory.BLOCK_SIZE)
            .put("initial_loss", initial)
            .put("lower_bound", bound)
            .put("progress", progress)
            .put("improvement", improvement)
            .putIfPresent("lr", batch.lr())
            .putIfPresent("grad_norm", batch.gradNorm())
            .build());
  }

  private static int windowBlocks(RuleSettings settings) {
    return (int) ((settings.integer(WINDOW) + LossHistory.BLOCK_SIZE - 1) / LossHistory.BLOCK_SIZE);
  }
}
