package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.Stats;
import java.util.List;
import java.util.Optional;

/**
 * {@code nonfinite_loss} (critical): the loss is NaN or infinite, or the network's outputs contain
 * NaN or infinite values. Fires on the first such batch by default.
 *
 * <p>Diagnoses: {@code nonfinite_input} (the data itself contains NaN/Inf), {@code
 * nonfinite_in_loss} (finite outputs, so the loss computation produced it: log(0), division by
 * zero), {@code diverged} (the outputs blew up: learning rate too high, exploding gradients).
 */
public final class NonFiniteLossRule implements Rule {

  public static final String NONFINITE_INPUT = "nonfinite_input";
  public static final String NONFINITE_IN_LOSS = "nonfinite_in_loss";
  public static final String DIVERGED = "diverged";

  private static final RuleSpec SPEC = RuleSpec.of(RuleId.NONFINITE_LOSS, 1, 20);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(NONFINITE_INPUT, NONFINITE_IN_LOSS, DIVERGED);
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    Stats out = batch.output();
    Stats in = batch.input();
    boolean lossBad = !Double.isFinite(batch.loss());
    boolean outputBad = !out.allFinite();
    if (!lossBad && !outputBad) {
      return Optional.empty();
    }
    String diagnosis;
    if (!in.allFinite()) {
      diagnosis = NONFINITE_INPUT;
    } else if (!outputBad) {
      diagnosis = NONFINITE_IN_LOSS;
    } else {
      diagnosis = DIVERGED;
    }
    double lastLoss = run.loss().finiteCount() == 0 ? Double.NaN : run.loss().recentMedian();
    return Optional.of(
        Finding.of(diagnosis, batch.loss())
            .put("loss", batch.loss())
            .put("recent_loss", Double.isNaN(lastLoss) ? null : lastLoss)
            .put("output_nonfinite", out.nonfinite())
            .put("output_count", out.count())
            .put("input_nonfinite", in.nonfinite())
            .putIfPresent("grad_norm", batch.gradNorm())
            .putIfPresent("lr", batch.lr())
            .build());
  }
}
