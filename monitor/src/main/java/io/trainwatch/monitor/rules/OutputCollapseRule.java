package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Stats;
import java.util.List;
import java.util.Optional;

/**
 * {@code output_collapse} (error): a classifier whose predictions were once spread over several
 * classes now predicts one class for at least {@code max_top_fraction} (95%) of the rows of a batch
 * of at least {@code min_rows} rows, for {@code for_batches} (3) consecutive batches. Needs {@code
 * predictions}.
 *
 * <p>"Were once spread": the run must have reported a normalized prediction entropy of at least
 * {@code min_prior_entropy} before, so a freshly initialized network that happens to favour one
 * class is not judged.
 *
 * <p>Diagnoses: {@code dead_outputs} (every output value is the same: a dead network, e.g. all
 * ReLUs dead after a learning-rate spike) and {@code single_class} (the network learned to predict
 * the majority class).
 */
public final class OutputCollapseRule implements Rule {

  public static final Param MAX_TOP_FRACTION =
      Param.number(
          "max_top_fraction",
          0.95,
          0,
          1,
          "Fire when at least this fraction of a batch's rows predict the same class.");
  public static final Param MIN_ROWS =
      Param.integer(
          "min_rows",
          16,
          1,
          1_000_000,
          "Smallest batch (rows) judged: in tiny batches one class can win by chance.");
  public static final Param MIN_PRIOR_ENTROPY =
      Param.number(
          "min_prior_entropy",
          0.5,
          0,
          1,
          "Normalized prediction entropy the run must have reached before: a collapse needs a prior spread.");

  public static final String DEAD_OUTPUTS = "dead_outputs";
  public static final String SINGLE_CLASS = "single_class";

  // Three batches, like most rules: with a prior spread required, three batches of 16+ rows in one
  // class do not
  // happen by chance, and a network fed broken labels already needs a few updates before its
  // predictions follow.
  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.OUTPUT_COLLAPSE, 3, 20, MAX_TOP_FRACTION, MIN_ROWS, MIN_PRIOR_ENTROPY);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(DEAD_OUTPUTS, SINGLE_CLASS);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    Integer classes = run.numClasses();
    Long rows = rows(run, batch);
    return batch.predictions() != null
        && (classes == null || classes >= 2)
        && rows != null
        && rows >= settings.integer(MIN_ROWS)
        && run.maxPredictionEntropy() >= settings.number(MIN_PRIOR_ENTROPY)
        && batch.output().allFinite();
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    Predictions p = batch.predictions();
    if (p.topClassFraction() < settings.number(MAX_TOP_FRACTION)) {
      return Optional.empty();
    }
    Stats out = batch.output();
    boolean dead = out.std() <= 1e-7 * Math.max(1, Math.abs(out.mean()));
    return Optional.of(
        Finding.of(dead ? DEAD_OUTPUTS : SINGLE_CLASS, p.topClassFraction())
            .put("top_class_fraction", p.topClassFraction())
            .put("prediction_entropy", p.entropy())
            .put("max_prior_entropy", run.maxPredictionEntropy())
            .put("rows", rows(run, batch))
            .put("output_std", out.std())
            .put("loss", batch.loss())
            .putIfPresent("lr", batch.lr())
            .build());
  }

  /** Rows in the batch: the batch size, or the output count over the number of classes. */
  private static Long rows(RunState run, BatchEvent batch) {
    if (batch.batchSize() != null) {
      return (long) batch.batchSize();
    }
    Integer classes = run.numClasses();
    return classes == null || classes < 1 ? null : batch.output().count() / classes;
  }
}
