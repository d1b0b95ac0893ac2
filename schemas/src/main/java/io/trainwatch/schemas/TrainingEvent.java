package io.trainwatch.schemas;

/**
 * A value on {@link Topics#EVENTS}: one of {@link RunStarted}, {@link BatchEvent}, {@link
 * CheckpointEvent} or {@link RunEnded}.
 *
 * <p>Mirrors {@code schemas/json/event.schema.json}; {@link EventCodec} reads and writes the JSON
 * form.
 */
public sealed interface TrainingEvent permits RunStarted, BatchEvent, CheckpointEvent, RunEnded {

  /** The only contract version this code reads and writes. */
  int SCHEMA_VERSION = 1;

  /** The run this event belongs to; also the Kafka record key. */
  String runId();

  /** When the event happened, epoch milliseconds. */
  long tsMs();

  /** The JSON {@code type} discriminator. */
  String type();

  /** Largest run id the contract allows, in characters. */
  int MAX_RUN_ID_LENGTH = 256;

  /** Checks a run id against the contract, returning it. */
  static String requireRunId(String runId) {
    if (runId == null || runId.isEmpty()) {
      throw new IllegalArgumentException("run_id: must not be empty");
    }
    if (runId.length() > MAX_RUN_ID_LENGTH) {
      throw new IllegalArgumentException(
          "run_id: " + runId.length() + " characters, at most " + MAX_RUN_ID_LENGTH + " allowed");
    }
    return runId;
  }
}
