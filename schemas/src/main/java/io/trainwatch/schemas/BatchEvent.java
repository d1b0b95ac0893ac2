package io.trainwatch.schemas;

/**
 * Statistics of one training iteration (one parameter update).
 *
 * <p>Optional fields are {@code null} when absent. {@code loss} may be NaN or infinite: that is what the
 * non-finite rule looks for.
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
    if (stepMs != null && !(stepMs >= 0)) {
      throw new IllegalArgumentException("step_ms=" + stepMs + ": must be >= 0");
    }
  }

  @Override
  public String type() {
    return "batch";
  }
}
