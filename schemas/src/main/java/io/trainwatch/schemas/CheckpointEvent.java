package io.trainwatch.schemas;

/**
 * A trainer saved a checkpoint of its run.
 *
 * @param step the last step whose update the checkpoint holds: restoring it resumes at {@code step
 *     + 1}
 * @param location where it is, in the trainer's terms (a path or URI), 1..2048 characters
 * @param pinned {@code true} if the trainer keeps it through rotation (pinned by a command or by
 *     the user), {@code null} when not said (= not pinned)
 */
public record CheckpointEvent(String runId, long tsMs, long step, String location, Boolean pinned)
    implements TrainingEvent {

  /** Longest location the contract allows, in characters. */
  public static final int MAX_LOCATION_LENGTH = 2048;

  public CheckpointEvent {
    TrainingEvent.requireRunId(runId);
    if (step < 0) {
      throw new IllegalArgumentException("step=" + step + ": must be >= 0");
    }
    if (location == null || location.isEmpty()) {
      throw new IllegalArgumentException("location: must not be empty");
    }
    if (location.length() > MAX_LOCATION_LENGTH) {
      throw new IllegalArgumentException(
          "location: "
              + location.length()
              + " characters, at most "
              + MAX_LOCATION_LENGTH
              + " allowed");
    }
  }

  /** A checkpoint without a pinned flag. */
  public static CheckpointEvent of(String runId, long tsMs, long step, String location) {
    return new CheckpointEvent(runId, tsMs, step, location, null);
  }

  /** {@code true} if the trainer said it keeps this checkpoint through rotation. */
  public boolean isPinned() {
    return Boolean.TRUE.equals(pinned);
  }

  @Override
  public String type() {
    return "checkpoint";
  }
}
