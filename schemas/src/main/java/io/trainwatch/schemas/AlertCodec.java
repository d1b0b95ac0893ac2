package io.trainwatch.schemas;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads and writes {@link Alert}s as the UTF-8 JSON of contract version 1. Thread-safe. */
public final class AlertCodec {

  private static final Set<String> FIELDS =
      Set.of(
          "schema_version",
          "alert_id",
          "event_id",
          "revision",
          "status",
          "rule",
          "severity",
          "run_id",
          "job",
          "summary",
          "hint",
          "diagnosis",
          "evidence",
          "step",
          "starts_at",
          "ends_at",
          "labels",
          "actions",
          "host",
          "device",
          "rank",
          "ranks");
  private static final Set<String> ACTION_FIELDS =
      Set.of(
          "action",
          "run_id",
          "policy",
          "dry_run",
          "command_id",
          "checkpoint_step",
          "checkpoint_location");
  private static final int MAX_ACTIONS = 1024;

  private AlertCodec() {}

  /** Serializes an alert to UTF-8 JSON; times are RFC 3339 in UTC. */
  public static byte[] encode(Alert a) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeNumberField("schema_version", TrainingEvent.SCHEMA_VERSION);
      g.writeStringField("alert_id", a.alertId());
      g.writeStringField("event_id", a.eventId());
      g.writeNumberField("revision", a.revision());
      g.writeStringField("status", a.status().wire());
      g.writeStringField("rule", a.rule());
      g.writeStringField("severity", a.severity().wire());
      g.writeStringField("run_id", a.runId());
      writeNullable(g, "job", a.job());
      g.writeStringField("summary", a.summary());
      g.writeStringField("hint", a.hint());
      writeNullable(g, "diagnosis", a.diagnosis());
      g.writeObjectFieldStart("evidence");
      for (Map.Entry<String, Object> e : a.evidence().entrySet()) {
        g.writeFieldName(e.getKey());
        Json.writeScalar(g, e.getValue());
      }
      g.writeEndObject();
      g.writeFieldName("step");
      if (a.step() == null) {
        g.writeNull();
      } else {
        g.writeNumber(a.step());
      }
      g.writeStringField("starts_at", a.startsAt().toString());
      writeNullable(g, "ends_at", a.endsAt() == null ? null : a.endsAt().toString());
      Json.writeStringMap(g, "labels", a.labels());
      AlertPlacement at = a.placement();
      Json.writeOptionalString(g, "host", at.host());
      Json.writeOptionalString(g, "device", at.device());
      if (at.rank() != null) {
        g.writeNumberField("rank", at.rank());
      }
      if (!at.ranks().isEmpty()) {
        g.writeArrayFieldStart("ranks");
        for (int rank : at.ranks()) {
          g.writeNumber(rank);
        }
        g.writeEndArray();
      }
      if (!a.actions().isEmpty()) {
        g.writeArrayFieldStart("actions");
        for (AlertAction x : a.actions()) {
          g.writeStartObject();
          g.writeStringField("action", x.action());
          g.writeStringField("run_id", x.runId());
          g.writeStringField("policy", x.policy());
          g.writeBooleanField("dry_run", x.dryRun());
          Json.writeOptionalString(g, "command_id", x.commandId());
          if (x.checkpointStep() != null) {
            g.writeNumberField("checkpoint_step", x.checkpointStep());
          }
          Json.writeOptionalString(g, "checkpoint_location", x.checkpointLocation());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Parses one alert.
   *
   * @throws InvalidEventException if the bytes are not a valid version-1 alert; the message says
   *     why
   */
  public static Alert decode(byte[] bytes) {
    JsonObjectReader r = new JsonObjectReader(Json.parse(bytes), "");
    r.skipUnknown(FIELDS); // a newer monitor may add fields: skipped
    long version = r.requiredLong("schema_version", 0);
    if (version != TrainingEvent.SCHEMA_VERSION) {
      throw new InvalidEventException("schema_version=" + version + ": unsupported");
    }
    try {
      Map<String, Object> evidence = new LinkedHashMap<>();
      JsonObjectReader ev = r.optionalObject("evidence");
      if (ev != null) {
        for (String k : ev.fieldNames()) {
          evidence.put(k, readEvidence(ev.raw(k)));
        }
      }
      JsonNode step = r.raw("step");
      String endsAt = r.optionalString("ends_at", 64);
      return new Alert(
          r.requiredString("alert_id", 512),
          r.requiredString("event_id", 128),
          (int) r.requiredLong("revision", 1),
          AlertStatus.fromWire(r.requiredString("status", 16)),
          r.requiredString("rule", 128),
          Severity.fromWire(r.requiredString("severity", 16)),
          r.requiredString("run_id", TrainingEvent.MAX_RUN_ID_LENGTH),
          r.optionalString("job", 256),
          r.requiredString("summary", Alert.MAX_SUMMARY_LENGTH),
          r.optionalString("hint", 8192),
          r.optionalString("diagnosis", 128),
          evidence,
          step == null || step.isNull() ? null : r.requiredLong("step", 0),
          Instant.parse(r.requiredString("starts_at", 64)),
          endsAt == null ? null : Instant.parse(endsAt),
          r.stringMap("labels", 64, 128, 1024),
          readActions(r),
          readPlacement(r));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new InvalidEventException(e.getMessage(), e);
    }
  }

  private static AlertPlacement readPlacement(JsonObjectReader r) {
    String host = r.optionalString("host", 256);
    String device = r.optionalString("device", 256);
    Integer rank = r.optionalInt("rank", 0);
    JsonNode ranks = r.raw("ranks");
    List<Integer> list = new ArrayList<>();
    if (ranks != null && !ranks.isNull()) {
      if (!ranks.isArray()) {
        throw new InvalidEventException("ranks: expected an array");
      }
      if (ranks.size() > AlertPlacement.MAX_RANKS) {
        throw new InvalidEventException("ranks: at most " + AlertPlacement.MAX_RANKS + " entries");
      }
      for (JsonNode n : ranks) {
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0) {
          throw new InvalidEventException("ranks: " + n + " is not a rank");
        }
        list.add(n.asInt());
      }
    }
    return new AlertPlacement(host, device, rank, list);
  }

  private static List<AlertAction> readActions(JsonObjectReader r) {
    JsonNode actions = r.raw("actions");
    if (actions == null || actions.isNull()) {
      return List.of();
    }
    if (!actions.isArray()) {
      throw new InvalidEventException("actions: expected an array");
    }
    if (actions.size() > MAX_ACTIONS) {
      throw new InvalidEventException("actions: at most " + MAX_ACTIONS + " entries");
    }
    List<AlertAction> out = new ArrayList<>(actions.size());
    for (int i = 0; i < actions.size(); i++) {
      JsonNode node = actions.get(i);
      if (!node.isObject()) {
        throw new InvalidEventException("actions[" + i + "]: expected an object");
      }
      JsonObjectReader a = new JsonObjectReader(node, "actions[" + i + "]");
      a.skipUnknown(ACTION_FIELDS);
      Boolean dryRun = a.optionalBoolean("dry_run");
      out.add(
          new AlertAction(
              a.requiredString("action", 64),
              a.requiredString("run_id", TrainingEvent.MAX_RUN_ID_LENGTH),
              a.requiredString("policy", 128),
              Boolean.TRUE.equals(dryRun),
              a.optionalString("command_id", ControlCommand.MAX_COMMAND_ID_LENGTH),
              a.has("checkpoint_step") ? a.requiredLong("checkpoint_step", 0) : null,
              a.optionalString("checkpoint_location", CheckpointEvent.MAX_LOCATION_LENGTH)));
    }
    return out;
  }

  /**
   * Evidence values are numbers first: the contract's non-finite spellings come back as doubles.
   */
  private static Object readEvidence(JsonNode v) {
    Object o = Json.readScalar(v);
    if (o instanceof String s) {
      switch (s) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          return s;
      }
    }
    return o;
  }

  private static void writeNullable(JsonGenerator g, String name, String v) throws IOException {
    if (v == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, v);
    }
  }
}
