package io.trainwatch.schemas;

/**
 * A value on {@link Topics#CONTROL}: the monitor asks one run's trainer to act, because of an
 * alert. Keyed by {@code runId}; a job-wide action is one command per run of the job.
 *
 * <p>Mirrors {@code schemas/json/control.schema.json}; {@link ControlCodec} reads and writes it.
 * Commands are written in the same Kafka transaction as the alert that caused them, so a command
 * never exists without its alert and a replay never writes it twice: {@code commandId} is
 * deterministic and unique per alert emission, action and run.
 *
 * @param commandId unique per alert emission, command and run; the same on replay
 * @param command what to do
 * @param runId the run that must act; also the Kafka record key
 * @param job the run's job, or {@code null}
 * @param alertId the alert that caused the command
 * @param alertEventId the emission of that alert (its {@code event_id})
 * @param rule the alert's rule
 * @param reason one line for people: why (the alert's summary)
 * @param alertStep the step of the alert, or {@code null}
 * @param checkpointStep for {@code pin_checkpoint}: the step of the checkpoint to keep; for {@code
 *     stop}: the last good checkpoint's, as information; {@code null} when none is known
 * @param checkpointLocation the location of that checkpoint, or {@code null}
 * @param tsMs event time of the alert emission that caused it, epoch milliseconds
 */
public record ControlCommand(
    String commandId,
    CommandType command,
    String runId,
    String job,
    String alertId,
    String alertEventId,
    String rule,
    String reason,
    Long alertStep,
    Long checkpointStep,
    String checkpointLocation,
    long tsMs) {

  /** Longest command id the contract allows. */
  public static final int MAX_COMMAND_ID_LENGTH = 1024;

  public ControlCommand {
    if (commandId == null || commandId.isEmpty() || commandId.length() > MAX_COMMAND_ID_LENGTH) {
      throw new IllegalArgumentException("command_id: 1.." + MAX_COMMAND_ID_LENGTH + " characters");
    }
    if (command == null) {
      throw new IllegalArgumentException("command: required");
    }
    TrainingEvent.requireRunId(runId);
    if (alertId == null || alertId.isEmpty() || alertEventId == null || alertEventId.isEmpty()) {
      throw new IllegalArgumentException("alert_id and alert_event_id: required");
    }
    if (rule == null || rule.isEmpty()) {
      throw new IllegalArgumentException("rule: required");
    }
    if (command == CommandType.PIN_CHECKPOINT && checkpointLocation == null) {
      throw new IllegalArgumentException("checkpoint: required by pin_checkpoint");
    }
    if ((checkpointStep == null) != (checkpointLocation == null)) {
      throw new IllegalArgumentException("checkpoint: step and location go together");
    }
    reason = reason == null ? "" : reason.replace('\r', ' ').replace('\n', ' ');
  }
}
