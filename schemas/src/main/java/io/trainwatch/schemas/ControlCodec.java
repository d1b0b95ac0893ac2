package io.trainwatch.schemas;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Reads and writes {@link ControlCommand}s as the UTF-8 JSON of contract version 1. Unknown fields
 * are skipped (a newer monitor may add some); an unknown {@code command} is refused with an {@link
 * InvalidEventException}, which a trainer logs and ignores. Thread-safe.
 */
public final class ControlCodec {

  private static final Set<String> FIELDS =
      Set.of(
          "schema_version",
          "command_id",
          "command",
          "run_id",
          "job",
          "alert_id",
          "alert_event_id",
          "rule",
          "reason",
          "alert_step",
          "checkpoint",
          "ts_ms");
  private static final Set<String> CHECKPOINT_FIELDS = Set.of("step", "location");

  private ControlCodec() {}

  /** Serializes a command to UTF-8 JSON. */
  public static byte[] encode(ControlCommand c) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeNumberField("schema_version", TrainingEvent.SCHEMA_VERSION);
      g.writeStringField("command_id", c.commandId());
      g.writeStringField("command", c.command().wire());
      g.writeStringField("run_id", c.runId());
      Json.writeOptionalString(g, "job", c.job());
      g.writeStringField("alert_id", c.alertId());
      g.writeStringField("alert_event_id", c.alertEventId());
      g.writeStringField("rule", c.rule());
      g.writeStringField("reason", c.reason());
      if (c.alertStep() != null) {
        g.writeNumberField("alert_step", c.alertStep());
      }
      if (c.checkpointLocation() != null) {
        g.writeObjectFieldStart("checkpoint");
        g.writeNumberField("step", c.checkpointStep());
        g.writeStringField("location", c.checkpointLocation());
        g.writeEndObject();
      }
      g.writeNumberField("ts_ms", c.tsMs());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Parses one command.
   *
   * @throws InvalidEventException if the bytes are not a valid version-1 command (including a
   *     command this reader does not know); the message says why
   */
  public static ControlCommand decode(byte[] bytes) {
    JsonObjectReader r = new JsonObjectReader(Json.parse(bytes), "");
    r.skipUnknown(FIELDS);
    JsonNode version = r.raw("schema_version");
    if (version == null
        || !version.isIntegralNumber()
        || version.longValue() != TrainingEvent.SCHEMA_VERSION) {
      throw new InvalidEventException("schema_version=" + version + ": unsupported");
    }
    try {
      Long checkpointStep = null;
      String checkpointLocation = null;
      JsonObjectReader cp = r.optionalObject("checkpoint");
      if (cp != null) {
        cp.skipUnknown(CHECKPOINT_FIELDS);
        checkpointStep = cp.requiredLong("step", 0);
        checkpointLocation = cp.requiredString("location", CheckpointEvent.MAX_LOCATION_LENGTH);
      }
      JsonNode step = r.raw("alert_step");
      return new ControlCommand(
          r.requiredString("command_id", ControlCommand.MAX_COMMAND_ID_LENGTH),
          CommandType.fromWire(r.requiredString("command", 64)),
          r.requiredString("run_id", TrainingEvent.MAX_RUN_ID_LENGTH),
          r.optionalString("job", 256),
          r.requiredString("alert_id", 512),
          r.requiredString("alert_event_id", 128),
          r.requiredString("rule", 128),
          r.optionalString("reason", Alert.MAX_SUMMARY_LENGTH),
          step == null || step.isNull() ? null : r.requiredLong("alert_step", 0),
          checkpointStep,
          checkpointLocation,
          r.requiredLong("ts_ms", 0));
    } catch (IllegalArgumentException e) {
      throw new InvalidEventException(e.getMessage(), e);
    }
  }
}
