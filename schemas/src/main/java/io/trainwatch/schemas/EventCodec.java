package io.trainwatch.schemas;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes {@link TrainingEvent}s as the UTF-8 JSON of contract version 1.
 *
 * <p>Reading is strict about what it knows and tolerant of what it does not: anything {@code
 * schemas/json/event.schema.json} rejects is rejected here too, with an {@link
 * InvalidEventException} whose message names the field; fields this reader does not know, and
 * values of optional enumerations it does not know, are skipped and reported ({@link #read}), so a
 * trainer upgraded before its monitor still gets its runs judged. Thread-safe.
 */
public final class EventCodec {

  private static final Set<String> RUN_STARTED_FIELDS =
      Set.of(
          "schema_version",
          "type",
          "run_id",
          "ts_ms",
          "framework",
          "job",
          "host",
          "rank",
          "world_size",
          "device",
          "attempt",
          "model",
          "labels",
          "num_classes",
          "input_range",
          "input_encoding",
          "loss",
          "rules");
  private static final Set<String> BATCH_FIELDS =
      Set.of(
          "schema_version",
          "type",
          "run_id",
          "ts_ms",
          "step",
          "epoch",
          "batch_size",
          "loss",
          "input",
          "output",
          "predictions",
          "grad_norm",
          "first_layer_grad_norm",
          "lr",
          "step_ms",
          "data_ms",
          "compute_ms",
          "loss_scale",
          "skipped");
  private static final Set<String> RUN_ENDED_FIELDS =
      Set.of("schema_version", "type", "run_id", "ts_ms", "status", "reason");
  private static final Set<String> CHECKPOINT_FIELDS =
      Set.of("schema_version", "type", "run_id", "ts_ms", "step", "location", "pinned");
  private static final Set<String> LOSS_FIELDS =
      Set.of("name", "input_kind", "activation", "lower_bound");
  private static final Set<String> RANGE_FIELDS = Set.of("min", "max");
  private static final Set<String> PREDICTION_FIELDS = Set.of("top_class_fraction", "entropy");

  private EventCodec() {}

  /** Serializes an event to UTF-8 JSON. */
  public static byte[] encode(TrainingEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeNumberField("schema_version", TrainingEvent.SCHEMA_VERSION);
      g.writeStringField("type", event.type());
      g.writeStringField("run_id", event.runId());
      g.writeNumberField("ts_ms", event.tsMs());
      if (event instanceof RunStarted r) {
        writeRunStarted(g, r);
      } else if (event instanceof BatchEvent b) {
        writeBatch(g, b);
      } else if (event instanceof CheckpointEvent c) {
        g.writeNumberField("step", c.step());
        g.writeStringField("location", c.location());
        if (c.pinned() != null) {
          g.writeBooleanField("pinned", c.pinned());
        }
      } else if (event instanceof RunEnded e) {
        g.writeStringField("status", e.status().wire());
        Json.writeOptionalString(g, "reason", e.reason());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * An event and what its reader skipped.
   *
   * @param ignored field paths (and {@code field="value"} for unknown values of optional
   *     enumerations) this reader does not know, in document order, at most {@value
   *     JsonObjectReader#MAX_NOTED}; empty for an event of this reader's own version
   */
  public record Decoded(TrainingEvent event, List<String> ignored) {
    public Decoded {
      ignored = List.copyOf(ignored);
    }
  }

  /**
   * Parses one event.
   *
   * @throws InvalidEventException if the bytes are not a valid version-1 event; the message says
   *     why
   */
  public static TrainingEvent decode(byte[] bytes) {
    return read(bytes).event();
  }

  /**
   * Parses one event and says what it skipped.
   *
   * @throws InvalidEventException if the bytes are not a valid version-1 event; the message says
   *     why
   */
  public static Decoded read(byte[] bytes) {
    // Most events are well-formed batches: read without a tree when possible, to the same values.
    BatchEvent fast = BatchFastPath.tryRead(bytes);
    if (fast != null) {
      return new Decoded(fast, List.of());
    }
    return readTree(bytes);
  }

  /**
   * {@link #read} through the JSON tree, for every event: what decides whatever {@link
   * BatchFastPath} leaves to it, and its reference in tests.
   */
  static Decoded readTree(byte[] bytes) {
    JsonObjectReader r = new JsonObjectReader(Json.parse(bytes), "");
    TrainingEvent event = readEvent(r);
    return new Decoded(event, r.ignored());
  }

  private static TrainingEvent readEvent(JsonObjectReader r) {
    JsonNode version = r.raw("schema_version");
    if (version == null || version.isNull()) {
      throw new InvalidEventException("schema_version: required");
    }
    if (!version.isIntegralNumber() || version.longValue() != TrainingEvent.SCHEMA_VERSION) {
      throw new InvalidEventException(
          "schema_version="
              + version
              + ": unsupported, this monitor reads version "
              + TrainingEvent.SCHEMA_VERSION);
    }
    String type = r.requiredString("type", 64);
    try {
      switch (type) {
        case "run_started":
          return readRunStarted(r);
        case "batch":
          return readBatch(r);
        case "checkpoint":
          return readCheckpoint(r);
        case "run_ended":
          return readRunEnded(r);
        default:
          throw new InvalidEventException(
              "type=\""
                  + type
                  + "\": unknown, expected run_started, batch, checkpoint or run_ended");
      }
    } catch (IllegalArgumentException e) {
      // Invariants enforced by the records' constructors (e.g. nonfinite <= count).
      throw new InvalidEventException(e.getMessage(), e);
    }
  }

  private static void writeRunStarted(JsonGenerator g, RunStarted r) throws IOException {
    g.writeStringField("framework", r.framework());
    Json.writeOptionalString(g, "job", r.job());
    Json.writeOptionalString(g, "host", r.host());
    writeOptionalInt(g, "rank", r.rank());
    writeOptionalInt(g, "world_size", r.worldSize());
    Json.writeOptionalString(g, "device", r.device());
    writeOptionalInt(g, "attempt", r.attempt());
    Json.writeOptionalString(g, "model", r.model());
    if (!r.labels().isEmpty()) {
      Json.writeStringMap(g, "labels", r.labels());
    }
    if (r.numClasses() != null) {
      g.writeNumberField("num_classes", r.numClasses());
    }
    if (r.inputRange() != null) {
      g.writeObjectFieldStart("input_range");
      g.writeNumberField("min", r.inputRange().min());
      g.writeNumberField("max", r.inputRange().max());
      g.writeEndObject();
    }
    if (r.inputEncoding() != null) {
      g.writeStringField("input_encoding", r.inputEncoding().wire());
    }
    LossDescriptor loss = r.loss();
    if (loss != null) {
      g.writeObjectFieldStart("loss");
      g.writeStringField("name", loss.name());
      if (loss.inputKind() != null) {
        g.writeStringField("input_kind", loss.inputKind().wire());
      }
      Json.writeOptionalString(g, "activation", loss.activation());
      g.writeFieldName("lower_bound");
      if (loss.lowerBound() == null) {
        g.writeNull();
      } else {
        g.writeNumber(loss.lowerBound());
      }
      g.writeEndObject();
    }
    if (!r.rules().isEmpty()) {
      g.writeObjectFieldStart("rules");
      for (Map.Entry<String, Map<String, Object>> rule : r.rules().entrySet()) {
        g.writeObjectFieldStart(rule.getKey());
        for (Map.Entry<String, Object> setting : rule.getValue().entrySet()) {
          g.writeFieldName(setting.getKey());
          Json.writeScalar(g, setting.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    }
  }

  private static void writeBatch(JsonGenerator g, BatchEvent b) throws IOException {
    g.writeNumberField("step", b.step());
    if (b.epoch() != null) {
      g.writeNumberField("epoch", b.epoch());
    }
    if (b.batchSize() != null) {
      g.writeNumberField("batch_size", b.batchSize());
    }
    Json.writeReal(g, "loss", b.loss());
    writeStats(g, "input", b.input());
    writeStats(g, "output", b.output());
    if (b.predictions() != null) {
      g.writeObjectFieldStart("predictions");
      g.writeNumberField("top_class_fraction", b.predictions().topClassFraction());
      g.writeNumberField("entropy", b.predictions().entropy());
      g.writeEndObject();
    }
    Json.writeOptionalReal(g, "grad_norm", b.gradNorm());
    Json.writeOptionalReal(g, "first_layer_grad_norm", b.firstLayerGradNorm());
    Json.writeOptionalReal(g, "lr", b.lr());
    writeOptionalNumber(g, "step_ms", b.stepMs());
    writeOptionalNumber(g, "data_ms", b.dataMs());
    writeOptionalNumber(g, "compute_ms", b.computeMs());
    writeOptionalNumber(g, "loss_scale", b.lossScale());
    if (b.skipped() != null) {
      g.writeBooleanField("skipped", b.skipped());
    }
  }

  private static void writeOptionalInt(JsonGenerator g, String name, Integer value)
      throws IOException {
    if (value != null) {
      g.writeNumberField(name, value);
    }
  }

  private static void writeOptionalNumber(JsonGenerator g, String name, Double value)
      throws IOException {
    if (value != null) {
      g.writeNumberField(name, value);
    }
  }

  private static void writeStats(JsonGenerator g, String name, Stats s) throws IOException {
    g.writeObjectFieldStart(name);
    Json.writeReal(g, "min", s.min());
    Json.writeReal(g, "max", s.max());
    Json.writeReal(g, "mean", s.mean());
    Json.writeReal(g, "std", s.std());
    g.writeNumberField("nonfinite", s.nonfinite());
    g.writeNumberField("count", s.count());
    Json.writeOptionalReal(g, "row_sum_mean", s.rowSumMean());
    Json.writeOptionalReal(g, "row_sum_std", s.rowSumStd());
    g.writeEndObject();
  }

  private static RunStarted readRunStarted(JsonObjectReader r) {
    r.skipUnknown(RUN_STARTED_FIELDS);
    InputRange range = null;
    JsonObjectReader rr = r.optionalObject("input_range");
    if (rr != null) {
      rr.skipUnknown(RANGE_FIELDS);
      range = new InputRange(rr.requiredFiniteNumber("min"), rr.requiredFiniteNumber("max"));
    }
    InputEncoding encoding = optionalEnum(r, "input_encoding", InputEncoding::fromWire);
    return new RunStarted(
        runId(r),
        r.requiredLong("ts_ms", 0),
        r.requiredString("framework", 64),
        r.optionalString("job", 256),
        r.optionalString("host", 256),
        r.optionalInt("rank", 0),
        r.optionalInt("world_size", 1),
        r.optionalString("device", 256),
        r.optionalInt("attempt", 0),
        r.optionalString("model", 1024),
        r.stringMap("labels", 64, 128, 1024),
        r.optionalInt("num_classes", 1),
        range,
        encoding,
        readLoss(r.optionalObject("loss")),
        readRules(r.optionalObject("rules")));
  }

  private static LossDescriptor readLoss(JsonObjectReader l) {
    if (l == null) {
      return null;
    }
    l.skipUnknown(LOSS_FIELDS);
    InputKind kind = optionalEnum(l, "input_kind", InputKind::fromWire);
    Double lowerBound;
    if (l.isExplicitNull("lower_bound")) {
      lowerBound = null; // declared unbounded below
    } else if (l.has("lower_bound")) {
      lowerBound = l.optionalFiniteNumber("lower_bound");
    } else {
      lowerBound = LossDescriptor.DEFAULT_LOWER_BOUND;
    }
    return new LossDescriptor(
        l.requiredString("name", 256), kind, l.optionalString("activation", 128), lowerBound);
  }

  private static Map<String, Map<String, Object>> readRules(JsonObjectReader rules) {
    if (rules == null) {
      return Map.of();
    }
    if (rules.size() > 64) {
      throw new InvalidEventException("rules: " + rules.size() + " entries, at most 64 allowed");
    }
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (String rule : rules.fieldNames()) {
      JsonObjectReader settings = rules.requiredObject(rule);
      Map<String, Object> values = new LinkedHashMap<>();
      for (String key : settings.fieldNames()) {
        JsonNode v = settings.raw(key);
        if (!(v.isNumber() || v.isBoolean() || v.isTextual())) {
          throw new InvalidEventException(
              settings.field(key)
                  + ": expected a number, boolean or string, got "
                  + JsonObjectReader.kind(v));
        }
        values.put(key, Json.readScalar(v));
      }
      out.put(rule, Map.copyOf(values));
    }
    return out;
  }

  private static BatchEvent readBatch(JsonObjectReader r) {
    r.skipUnknown(BATCH_FIELDS);
    Predictions predictions = null;
    JsonObjectReader p = r.optionalObject("predictions");
    if (p != null) {
      p.skipUnknown(PREDICTION_FIELDS);
      predictions =
          new Predictions(
              p.requiredFiniteNumber("top_class_fraction"), p.requiredFiniteNumber("entropy"));
    }
    return new BatchEvent(
        runId(r),
        r.requiredLong("ts_ms", 0),
        r.requiredLong("step", 0),
        r.optionalInt("epoch", 0),
        r.optionalInt("batch_size", 1),
        r.requiredReal("loss"),
        readStats(r.requiredObject("input")),
        readStats(r.requiredObject("output")),
        predictions,
        r.optionalReal("grad_norm"),
        r.optionalReal("first_layer_grad_norm"),
        r.optionalReal("lr"),
        r.optionalFiniteNumber("step_ms"),
        r.optionalFiniteNumber("data_ms"),
        r.optionalFiniteNumber("compute_ms"),
        r.optionalFiniteNumber("loss_scale"),
        r.optionalBoolean("skipped"));
  }

  private static Stats readStats(JsonObjectReader s) {
    return new Stats(
        s.requiredReal("min"),
        s.requiredReal("max"),
        s.requiredReal("mean"),
        s.requiredReal("std"),
        s.requiredLong("nonfinite", 0),
        s.requiredLong("count", 0),
        s.optionalReal("row_sum_mean"),
        s.optionalReal("row_sum_std"));
  }

  private static CheckpointEvent readCheckpoint(JsonObjectReader r) {
    r.skipUnknown(CHECKPOINT_FIELDS);
    return new CheckpointEvent(
        runId(r),
        r.requiredLong("ts_ms", 0),
        r.requiredLong("step", 0),
        r.requiredString("location", CheckpointEvent.MAX_LOCATION_LENGTH),
        r.optionalBoolean("pinned"));
  }

  private static RunEnded readRunEnded(JsonObjectReader r) {
    r.skipUnknown(RUN_ENDED_FIELDS);
    String status = r.requiredString("status", 32);
    return new RunEnded(
        runId(r),
        r.requiredLong("ts_ms", 0),
        parseEnum("status", () -> RunStatus.fromWire(status)),
        r.optionalString("reason", 4096));
  }

  private static String runId(JsonObjectReader r) {
    String id = r.requiredString("run_id", TrainingEvent.MAX_RUN_ID_LENGTH);
    if (id.isEmpty()) {
      throw new InvalidEventException("run_id: must not be empty");
    }
    return id;
  }

  /**
   * An optional enumeration: {@code null} when absent, and when its value is one this reader does
   * not know (a newer writer's), which is noted as skipped: to this reader it is as if the writer
   * had not said.
   */
  private static <T> T optionalEnum(
      JsonObjectReader r, String name, java.util.function.Function<String, T> parse) {
    String wire = r.optionalString(name, 64);
    if (wire == null) {
      return null;
    }
    try {
      return parse.apply(wire);
    } catch (IllegalArgumentException e) {
      r.noteIgnored(r.field(name) + "=\"" + wire + "\"");
      return null;
    }
  }

  private static <T> T parseEnum(String field, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new InvalidEventException(field + "=" + e.getMessage());
    }
  }
}
