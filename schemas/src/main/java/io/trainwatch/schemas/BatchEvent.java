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
    Double stepMs)
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
    if (stepMs != null && !(stepMs >= 0)) {
      throw new IllegalArgumentException("step_ms=" + stepMs + ": must be >= 0");
    }
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
