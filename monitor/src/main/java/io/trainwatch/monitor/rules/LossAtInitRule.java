package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.LossHistory;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code loss_at_init} (warning): the first batches' loss is far from what a C-class cross-entropy
 * predicts for an untrained network, ln C (2.30 for 10 classes): above {@code max_ratio * ln C +
 * margin}, or near -1/C, the signature of softmax probabilities fed into an NLL loss.
 *
 * <p>Judged only on the first {@code init_batches} batches of a run that starts at step 0 (a run
 * resumed from a checkpoint is not at initialization), for cross-entropy and NLL losses with a
 * declared {@code num_classes >= 2}, and only while every batch so far agrees: a normal first loss
 * followed by a huge one is a bad update, not a bad initialization.
 *
 * <p>Diagnoses: {@code init_loss_too_high} (unscaled inputs, too-large initial weights, labels not
 * one-hot), {@code softmax_into_nll}.
 */
public final class LossAtInitRule implements Rule {

  public static final Param INIT_BATCHES =
      Param.integer(
          "init_batches",
          5,
          1,
          LossHistory.RECENT,
          "How many of a run's first batches (from step 0) are compared with the loss expected at initialization.");
  public static final Param MAX_RATIO =
      Param.number(
          "max_ratio",
          2,
          1,
          1e6,
          "Fire when the loss exceeds max_ratio * ln(num_classes) + margin.");
  public static final Param MARGIN =
      Param.number(
          "margin",
          2,
          0,
          1e6,
          "Added to max_ratio * ln(num_classes), so that 2-class problems are not judged on a tiny ln 2.");

  public static final String INIT_LOSS_TOO_HIGH = "init_loss_too_high";
  public static final String SOFTMAX_INTO_NLL = "softmax_into_nll";

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.LOSS_AT_INIT, 3, 20, INIT_BATCHES, MAX_RATIO, MARGIN);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(SOFTMAX_INTO_NLL, INIT_LOSS_TOO_HIGH);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    long initBatches = settings.integer(INIT_BATCHES);
    Integer classes = run.numClasses();
    // After the first batches the rule has nothing more to say: its alert stays as it is until the
    // run ends.
    if (run.batches() >= initBatches
        || batch.step() >= initBatches
        || classes == null
        || classes < 2
        || !Double.isFinite(batch.loss())) {
      return false;
    }
    LossFamily family = LossFamily.of(run.lossDescriptor());
    return family == LossFamily.CROSS_ENTROPY || family == LossFamily.NLL;
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    int classes = run.numClasses();
    double expected = Math.log(classes);
    double limit = settings.number(MAX_RATIO) * expected + settings.number(MARGIN);
    double nllFloor = -Math.min(1, 2.0 / classes + 0.05);
    double loss = batch.loss();
    // Every batch so far must agree: a first loss near ln C followed by a huge one is a bad update
    // (learning rate),
    // not a bad initialization, and belongs to the divergence and non-finite rules.
    LossHistory h = run.loss();
    boolean first = h.finiteCount() == 0;
    String diagnosis;
    if (loss > limit && (first || h.recentMin() > limit)) {
      diagnosis = INIT_LOSS_TOO_HIGH;
    } else if (loss < 0
        && loss >= nllFloor
        && (first || (h.recentMax() < 0 && h.recentMin() >= nllFloor))) {
      diagnosis = SOFTMAX_INTO_NLL; // -mean(p[target]) with near-uniform p: about -1/C
    } else {
      return Optional.empty();
    }
    return Optional.of(
        Finding.of(diagnosis, loss)
            .put("loss", loss)
            .put("expected_loss", expected)
            .put("num_classes", classes)
            .put("loss_name", run.lossDescriptor().name())
            .put("max_expected_loss", limit)
            .build());
  }
}
