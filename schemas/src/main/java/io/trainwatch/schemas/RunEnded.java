package io.trainwatch.schemas;

/** A training run stopped. {@code reason} is {@code null} when not given. */
public record RunEnded(String runId, long tsMs, RunStatus status, String reason)
    implements TrainingEvent {

  public RunEnded {
    TrainingEvent.requireRunId(runId);
    if (status == null) {
      throw new IllegalArgumentException("status: required");
    }
  }

  @Override
  public String type() {
    return "run_ended";
  }
}
