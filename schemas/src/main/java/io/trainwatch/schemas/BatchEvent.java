package io.trainwatch.schemas;

/**
 * Statistics of one training iteration (one parameter update).
 *
 * <p>Optional fields are {@code null} when absent. {@code loss} may be NaN or infinite: that is
 * what the non-finite rule looks for.
 *
 * <p>{@code gradNorm} is the L2 norm of the whole gradient, {@code firstLayerGradNorm} that of the
 * first layer with trainable parameters (the one furthest from the loss), both of the
 * minibatch-mean loss: their ratio shows gradients dying on their way back through a deep network
 * even while the last layers keep the total up.
 */
public record BatchEvent(
    String runId,
    long tsMs,
    long step,
    Integer epoch,
    Integer batchSize,
    double loss,
    Stats input,
    Stats output,
    Predictions predictions,
    Double gradNorm,
    Double firstLayerGradNorm,
    Double lr,
    Double stepMs,
    Double dataMs,
    Double computeMs,
    Double lossScale,
    Boolean skipped)
    implements TrainingEvent {

  public BatchEvent {
    TrainingEvent.requireRunId(runId);
    if (step < 0) {
      throw new IllegalArgumentException("step=" + step + ": must be >= 0");
    }
    if (epoch != null && epoch < 0) {
      throw new IllegalArgumentException("epoch=" + epoch + ": must be >= 0");
    }
    if (batchSize != null && batchSize < 1) {
      throw new IllegalArgumentException("batch_size=" + batchSize + ": must be >= 1");
    }
    if (input == null) {
      throw new IllegalArgumentException("input: required");
    }
    if (output == null) {
      throw new IllegalArgumentException("output: required");
    }
    if (firstLayerGradNorm != null && firstLayerGradNorm < 0) {
      throw new IllegalArgumentException(
          "first_layer_grad_norm=" + firstLayerGradNorm + ": must be >= 0");
    }
    requireDuration("step_ms", stepMs);
    requireDuration("data_ms", dataMs);
    requireDuration("compute_ms", computeMs);
    if (lossScale != null && !(lossScale > 0 && Double.isFinite(lossScale))) {
      throw new IllegalArgumentException("loss_scale=" + lossScale + ": must be finite and > 0");
    }
  }

  private static void requireDuration(String field, Double ms) {
    if (ms != null && !(ms >= 0 && Double.isFinite(ms))) {
      throw new IllegalArgumentException(field + "=" + ms + ": must be finite and >= 0");
    }
  }

  /** A batch without the fleet timings and mixed-precision fields (the contract before them). */
  public BatchEvent(
      String runId,
      long tsMs,
      long step,
      Integer epoch,
      Integer batchSize,
      double loss,
      Stats input,
      Stats output,
      Predictions predictions,
      Double gradNorm,
      Double firstLayerGradNorm,
      Double lr,
      Double stepMs) {
    this(
        runId,
        tsMs,
        step,
        epoch,
        batchSize,
        loss,
        input,
        output,
        predictions,
        gradNorm,
        firstLayerGradNorm,
        lr,
        stepMs,
        null,
        null,
        null,
        null);
  }

  /** This batch with its step's phases timed: data wait and compute before synchronization. */
  public BatchEvent withPhases(Double dataMs, Double computeMs) {
    return new BatchEvent(
        runId,
        tsMs,
        step,
        epoch,
        batchSize,
        loss,
        input,
        output,
        predictions,
        gradNorm,
        firstLayerGradNorm,
        lr,
        stepMs,
        dataMs,
        computeMs,
        lossScale,
        skipped);
  }

  /** This batch with the loss scaler's state: its scale, and whether it skipped the step. */
  public BatchEvent withLossScale(Double lossScale, Boolean skipped) {
    return new BatchEvent(
        runId,
        tsMs,
        step,
        epoch,
        batchSize,
        loss,
        input,
        output,
        predictions,
        gradNorm,
        firstLayerGradNorm,
        lr,
        stepMs,
        dataMs,
        computeMs,
        lossScale,
        skipped);
  }

  /** {@code true} if the optimizer skipped this step (mixed precision), {@code false} otherwise. */
  public boolean stepSkipped() {
    return Boolean.TRUE.equals(skipped);
  }

  /**
   * A batch without {@code firstLayerGradNorm}: the contract before that field, and trainers that
   * do not send it.
   */
  public BatchEvent(
      String runId,
      long tsMs,
      long step,
      Integer epoch,
      Integer batchSize,
      double loss,
      Stats input,
      Stats output,
      Predictions predictions,
      Double gradNorm,
      Double lr,
      Double stepMs) {
    this(
        runId,
        tsMs,
        step,
        epoch,
        batchSize,
        loss,
        input,
        output,
        predictions,
        gradNorm,
        null,
        lr,
        stepMs);
  }

  @Override
  public String type() {
    return "batch";
  }
}
