package io.trainwatch.reliability;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.reliability.HostileCase.Category;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.TrainingEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The hand-made corpus of hostile and malformed events: every family the reliability spec lists,
 * built as mutations of well-formed events so that each case is wrong in exactly one way (its name
 * says which).
 *
 * <p>The expected verdict of each case is written down here, from the contract ({@code
 * schemas/json}), not asked of the code under test. {@link HostileGenerators} adds random cases on
 * top.
 */
final class HostileCorpus {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** How a field may be spelled, per the contract. */
  enum Kind {
    STRING,
    /** An integer; the contract's minimum is checked by {@link #ABSURD_VALUES}. */
    INT,
    /** A number, or one of the non-finite spellings. */
    REAL,
    /** A number >= 0, or NaN or Infinity in any accepted spelling (never a negative infinity). */
    NON_NEGATIVE_REAL,
    /** A plain finite JSON number. */
    FINITE,
    OBJECT,
    ENUM,
    STRING_MAP,
    RULES
  }

  /** A field of an event, by its dotted path. */
  record Field(String path, Kind kind, boolean required) {}

  static final List<Field> RUN_STARTED_FIELDS =
      List.of(
          new Field("run_id", Kind.STRING, true),
          new Field("ts_ms", Kind.INT, true),
          new Field("framework", Kind.STRING, true),
          new Field("job", Kind.STRING, false),
          new Field("host", Kind.STRING, false),
          new Field("rank", Kind.INT, false),
          new Field("model", Kind.STRING, false),
          new Field("labels", Kind.STRING_MAP, false),
          new Field("num_classes", Kind.INT, false),
          new Field("input_range", Kind.OBJECT, false),
          new Field("input_range.min", Kind.FINITE, true),
          new Field("input_range.max", Kind.FINITE, true),
          new Field("loss", Kind.OBJECT, false),
          new Field("loss.name", Kind.STRING, true),
          new Field("loss.input_kind", Kind.ENUM, false),
          new Field("loss.activation", Kind.STRING, false),
          new Field("rules", Kind.RULES, false));

  static final List<Field> BATCH_FIELDS = batchFields();

  static final List<Field> RUN_ENDED_FIELDS =
      List.of(
          new Field("run_id", Kind.STRING, true),
          new Field("ts_ms", Kind.INT, true),
          new Field("status", Kind.ENUM, true),
          new Field("reason", Kind.STRING, false));

  /**
   * Spellings of non-finite numbers the contract accepts (strings) and the bare tokens readers
   * tolerate.
   */
  static final List<String> ACCEPTED_NON_FINITE =
      List.of(
          "\"NaN\"",
          "\"Infinity\"",
          "\"-Infinity\"",
          // Python's json module writes these bare tokens; the contract's readers accept them.
          "NaN",
          "Infinity",
          "-Infinity",
          // Not written by anyone we know, but unambiguous; Jackson reads them as infinities.
          "+Infinity",
          "+INF",
          "-INF",
          // Finite spelling of an overflow: a JSON number beyond double range reads as an infinity.
          "1e400",
          "-1e400");

  /** Spellings that look like non-finite numbers but are not in the contract. */
  static final List<String> REJECTED_NON_FINITE =
      List.of(
          "\"nan\"",
          "\"NAN\"",
          "\"inf\"",
          "\"-inf\"",
          "\"Inf\"",
          "\"+Infinity\"",
          "\"infinity\"",
          "\"Infinity \"",
          "nan",
          "inf",
          "-inf",
          "INF",
          "+NaN",
          "-NaN",
          "Infinity1");

  private HostileCorpus() {}

  /** A well-formed run_started of a DL4J classifier. */
  static RunStarted runStarted(String runId, long tsMs) {
    return new RunStarted(
        runId,
        tsMs,
        "dl4j",
        "hostile-job",
        "host-1",
        0,
        "mlp 4-16-3",
        Map.of("team", "ml"),
        3,
        new InputRange(0, 1),
        new LossDescriptor("LossMCXENT", InputKind.PROBABILITIES, "softmax", 0.0),
        Map.of("loss_plateau", Map.of("enabled", false)));
  }

  /** A well-formed, healthy batch (positive loss, normalized input, softmax output). */
  static BatchEvent batch(String runId, long step, long tsMs) {
    return new BatchEvent(
        runId,
        tsMs,
        step,
        0,
        32,
        0.1 + 1.0 / (1 + step * 0.01),
        new Stats(0.0, 1.0, 0.48, 0.29, 0, 128, null, null),
        new Stats(0.02, 0.9, 0.33, 0.2, 0, 96, 1.0, 1e-7),
        new Predictions(0.4, 0.9),
        0.8,
        0.4,
        0.01,
        12.5);
  }

  static RunEnded runEnded(String runId, long tsMs) {
    return new RunEnded(runId, tsMs, RunStatus.COMPLETED, "max epochs reached");
  }

  /**
   * The whole corpus for one run id prefix. Each valid case uses its own run id ({@code
   * prefix-<n>}), so cases cannot mask each other.
   */
  static List<HostileCase> cases(String prefix) {
    Builder b = new Builder(prefix);
    b.invalidJson();
    b.binaryGarbage();
    b.fieldMutations("run_started", RUN_STARTED_FIELDS, id -> runStarted(id, 1_000));
    b.fieldMutations("batch", BATCH_FIELDS, id -> batch(id, 7, 1_000));
    b.fieldMutations("run_ended", RUN_ENDED_FIELDS, id -> runEnded(id, 1_000));
    b.unknownFields();
    b.unknownTypeOrVersion();
    b.nullsAndTombstones();
    b.oversized();
    b.nonFinite();
    b.absurdCounts();
    b.controls();
    return List.copyOf(b.cases);
  }

  /** Parses an encoded event into a mutable JSON tree. */
  static ObjectNode tree(TrainingEvent event) {
    try {
      return (ObjectNode) JSON.readTree(EventCodec.encode(event));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code node} with the raw JSON text {@code rawValue} at {@code path}: how bare tokens
   * such as {@code NaN}, which no JSON library writes, get into a document.
   */
  static byte[] withRawValue(ObjectNode node, String path, String rawValue) {
    String marker = "__trainwatch_raw_value__";
    ObjectNode copy = node.deepCopy();
    set(copy, path, NODES.textNode(marker));
    return new String(bytes(copy), UTF_8).replace("\"" + marker + "\"", rawValue).getBytes(UTF_8);
  }

  static void set(ObjectNode root, String path, JsonNode value) {
    ObjectNode parent = parentOf(root, path);
    parent.set(leaf(path), value);
  }

  static void remove(ObjectNode root, String path) {
    parentOf(root, path).remove(leaf(path));
  }

  static boolean has(ObjectNode root, String path) {
    JsonNode n = root;
    for (String part : path.split("\\.")) {
      n = n.get(part);
      if (n == null) {
        return false;
      }
    }
    return true;
  }

  private static ObjectNode parentOf(ObjectNode root, String path) {
    ObjectNode n = root;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length - 1; i++) {
      n = (ObjectNode) n.get(parts[i]);
    }
    return n;
  }

  private static String leaf(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }

  private static List<Field> batchFields() {
    List<Field> f =
        new ArrayList<>(
            List.of(
                new Field("run_id", Kind.STRING, true),
                new Field("ts_ms", Kind.INT, true),
                new Field("step", Kind.INT, true),
                new Field("epoch", Kind.INT, false),
                new Field("batch_size", Kind.INT, false),
                new Field("loss", Kind.REAL, true),
                new Field("input", Kind.OBJECT, true),
                new Field("output", Kind.OBJECT, true)));
    for (String stats : List.of("input", "output")) {
      for (String real : List.of("min", "max", "mean", "std")) {
        f.add(new Field(stats + "." + real, Kind.REAL, true));
      }
      f.add(new Field(stats + ".nonfinite", Kind.INT, true));
      f.add(new Field(stats + ".count", Kind.INT, true));
    }
    f.add(new Field("output.row_sum_mean", Kind.REAL, false));
    f.add(new Field("output.row_sum_std", Kind.REAL, false));
    f.add(new Field("predictions", Kind.OBJECT, false));
    f.add(new Field("predictions.top_class_fraction", Kind.FINITE, true));
    f.add(new Field("predictions.entropy", Kind.FINITE, true));
    f.add(new Field("grad_norm", Kind.REAL, false));
    f.add(new Field("first_layer_grad_norm", Kind.NON_NEGATIVE_REAL, false));
    f.add(new Field("lr", Kind.REAL, false));
    f.add(new Field("step_ms", Kind.FINITE, false));
    return List.copyOf(f);
  }

  /** Values of the wrong JSON type for a field of the given kind; every one must be rejected. */
  /**
   * A string an optional enumeration does not know is a newer writer's value: read as absent, not
   * refused (schemas/README.md, "Evolving the contract"). A required one's is refused.
   */
  static boolean unknownValueOfAnOptionalEnum(Field f, String raw) {
    return f.kind() == Kind.ENUM && !f.required() && raw.startsWith("\"");
  }

  static List<String> wrongTypes(Kind kind) {
    return switch (kind) {
      case STRING -> List.of("42", "true", "[\"x\"]", "{\"x\":1}");
      case INT -> List.of("\"7\"", "7.5", "1.0", "true", "[7]", "{}", "\"NaN\"", "NaN", "1e3");
      case REAL, NON_NEGATIVE_REAL -> List.of("\"1.5\"", "true", "[1.5]", "{\"v\":1}", "\"\"");
      case FINITE -> List.of("\"0.5\"", "\"NaN\"", "NaN", "Infinity", "false", "[0.5]");
      case OBJECT -> List.of("\"x\"", "1", "[]", "true");
      case ENUM -> List.of("\"bogus\"", "1", "\"\"", "[\"completed\"]");
      case STRING_MAP ->
          List.of("[]", "\"team=ml\"", "{\"team\":1}", "{\"team\":null}", "{\"\":\"x\"}");
      case RULES ->
          List.of(
              "[]",
              "{\"loss_plateau\":true}",
              "{\"loss_plateau\":{\"window\":[1]}}",
              "{\"loss_plateau\":{\"window\":null}}");
    };
  }

  /** Collects cases, giving each its own run id. */
  private static final class Builder {
    private final String prefix;
    private final List<HostileCase> cases = new ArrayList<>();
    private int n;

    Builder(String prefix) {
      this.prefix = prefix;
    }

    String nextRun() {
      return prefix + "-" + (n++);
    }

    /**
     * Adds a case. A valid event gets a run of its own (unless its run id is the point of the
     * case), so that the monitor judges it alone: several valid variants of one batch under one run
     * id would repeat a step, which the monitor rightly dead-letters. A valid run_ended is preceded
     * by its run's run_started, since the end of a run the monitor never saw is dead-lettered too.
     */
    void add(String name, Category category, String runId, byte[] value, boolean valid) {
      String quotedId = "\"" + runId + "\"";
      if (valid && runId != null && value != null && new String(value, UTF_8).contains(quotedId)) {
        String own = nextRun();
        value = new String(value, UTF_8).replace(quotedId, "\"" + own + "\"").getBytes(UTF_8);
        runId = own;
      }
      if (valid && value != null) {
        if (EventCodec.decode(value) instanceof RunEnded) {
          cases.add(
              HostileCase.of(
                  "run_started before: " + name,
                  Category.CONTROL,
                  runId,
                  EventCodec.encode(runStarted(runId, 999)),
                  true));
        }
      }
      cases.add(HostileCase.of(name, category, runId, value, valid));
    }

    void addRaw(String name, Category category, String runId, String json, boolean valid) {
      add(name, category, runId, json.getBytes(UTF_8), valid);
    }

    void invalidJson() {
      String id = nextRun();
      String good = new String(EventCodec.encode(batch(id, 1, 1_000)), UTF_8);
      addRaw("empty object", Category.INVALID_JSON, id, "{}", false);
      addRaw(
          "unclosed object",
          Category.INVALID_JSON,
          id,
          good.substring(0, good.length() - 1),
          false);
      for (int cut : List.of(1, 17, good.length() / 2, good.length() - 2)) {
        addRaw("truncated at " + cut, Category.INVALID_JSON, id, good.substring(0, cut), false);
      }
      addRaw("trailing comma", Category.INVALID_JSON, id, good.replace("}", ",}"), false);
      addRaw("single quotes", Category.INVALID_JSON, id, good.replace('"', '\''), false);
      addRaw("comment", Category.INVALID_JSON, id, "/* hi */" + good, false);
      addRaw("unquoted keys", Category.INVALID_JSON, id, good.replace("\"step\"", "step"), false);
      addRaw("trailing garbage", Category.INVALID_JSON, id, good + " garbage", false);
      addRaw("two documents", Category.INVALID_JSON, id, good + good, false);
      addRaw("extra closing brace", Category.INVALID_JSON, id, good + "}", false);
      addRaw("array of events", Category.INVALID_JSON, id, "[" + good + "]", false);
      addRaw(
          "string document",
          Category.INVALID_JSON,
          id,
          "\"" + good.replace("\"", "\\\"") + "\"",
          false);
      addRaw("number document", Category.INVALID_JSON, id, "42", false);
      addRaw("bare NaN document", Category.INVALID_JSON, id, "NaN", false);
      addRaw("whitespace only", Category.INVALID_JSON, id, " \n\t ", false);
      addRaw(
          "leading zero",
          Category.INVALID_JSON,
          id,
          good.replace("\"step\":1", "\"step\":01"),
          false);
      addRaw(
          "hex number",
          Category.INVALID_JSON,
          id,
          good.replace("\"step\":1", "\"step\":0x1"),
          false);
      addRaw(
          "nesting 5000 deep",
          Category.INVALID_JSON,
          id,
          good.replace(
              "\"count\":128", "\"count\":128,\"x\":" + "[".repeat(5000) + "]".repeat(5000)),
          false);
      add(
          "2000-digit number",
          Category.INVALID_JSON,
          id,
          withRawValue(tree(batch(id, 1, 1_000)), "loss", "9".repeat(2000)),
          false);
      addRaw(
          "duplicate key",
          Category.INVALID_JSON,
          id,
          good.replace("\"step\":1", "\"step\":1,\"step\":2"),
          false);
      addRaw(
          "raw control character in string",
          Category.INVALID_JSON,
          id,
          good.replace(id, id + "\u0001"),
          false);
    }

    void binaryGarbage() {
      Random random = new Random(42);
      for (int size : List.of(1, 7, 64, 1024, 65_536)) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        add("random bytes x" + size, Category.BINARY_GARBAGE, nextRun(), b, false);
      }
      String id = nextRun();
      byte[] good = EventCodec.encode(batch(id, 1, 1_000));
      byte[] invalidUtf8 = good.clone();
      int at = new String(good, UTF_8).indexOf(id);
      invalidUtf8[at] = (byte) 0xC3;
      invalidUtf8[at + 1] = (byte) 0x28;
      add("invalid UTF-8 in run_id", Category.BINARY_GARBAGE, id, invalidUtf8, false);
      add(
          "UTF-16 encoded event",
          Category.BINARY_GARBAGE,
          id,
          new String(good, UTF_8).getBytes(StandardCharsets.UTF_16),
          false);
      add(
          "UTF-16LE encoded event",
          Category.BINARY_GARBAGE,
          id,
          new String(good, UTF_8).getBytes(StandardCharsets.UTF_16LE),
          false);
      add(
          "gzip magic",
          Category.BINARY_GARBAGE,
          id,
          new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0},
          false);
      add("NUL bytes", Category.BINARY_GARBAGE, id, new byte[16], false);
      byte[] flipped = good.clone();
      flipped[0] = (byte) 0xFF;
      add("first byte 0xFF", Category.BINARY_GARBAGE, id, flipped, false);
      add(
          "Avro-like framing",
          Category.BINARY_GARBAGE,
          id,
          concat(new byte[] {0, 0, 0, 0, 1}, good),
          false);
    }

    interface EventFactory {
      TrainingEvent make(String runId);
    }

    void fieldMutations(String type, List<Field> fields, EventFactory factory) {
      for (Field f : fields) {
        String id = nextRun();
        ObjectNode base = tree(factory.make(id));
        if (!has(base, f.path())) {
          throw new IllegalStateException(type + "." + f.path() + ": not in the base event");
        }
        ObjectNode missing = base.deepCopy();
        remove(missing, f.path());
        add(
            type + "." + f.path() + " missing",
            Category.MISSING_FIELD,
            id,
            bytes(missing),
            !f.required());
        ObjectNode nulled = base.deepCopy();
        set(nulled, f.path(), NODES.nullNode());
        add(type + "." + f.path() + "=null", Category.NULL_VALUE, id, bytes(nulled), !f.required());
        for (String wrong : wrongTypes(f.kind())) {
          add(
              type + "." + f.path() + "=" + wrong,
              Category.WRONG_TYPE,
              id,
              withRawValue(base, f.path(), wrong),
              unknownValueOfAnOptionalEnum(f, wrong));
        }
      }
    }

    /**
     * Fields this contract does not define, anywhere: a newer trainer's additions, skipped and
     * never a reason to refuse the event (schemas/README.md, "Evolving the contract").
     */
    void unknownFields() {
      String id = nextRun();
      ObjectNode batch = tree(batch(id, 1, 1_000));
      ObjectNode started = tree(runStarted(id, 1_000));
      ObjectNode ended = tree(runEnded(id, 1_000));
      addRaw(
          "batch.extra top-level field",
          Category.UNKNOWN_FIELD,
          id,
          json(with(batch, "extra", 1)),
          true);
      addRaw(
          "run_started.extra top-level field",
          Category.UNKNOWN_FIELD,
          id,
          json(with(started, "extra", 1)),
          true);
      addRaw(
          "run_ended.extra top-level field",
          Category.UNKNOWN_FIELD,
          id,
          json(with(ended, "extra", 1)),
          true);
      addRaw(
          "batch.Step (wrong case)",
          Category.UNKNOWN_FIELD,
          id,
          json(with(batch, "Step", 3)),
          true);
      addRaw(
          "run_started.loss.extra",
          Category.UNKNOWN_FIELD,
          id,
          json(with(started, "loss.extra", 1)),
          true);
      addRaw(
          "run_started.input_range.extra",
          Category.UNKNOWN_FIELD,
          id,
          json(with(started, "input_range.mid", 1)),
          true);
      addRaw(
          "batch.predictions.extra",
          Category.UNKNOWN_FIELD,
          id,
          json(with(batch, "predictions.extra", 1)),
          true);
      addRaw(
          "batch.input.extra statistic (allowed)",
          Category.UNKNOWN_FIELD,
          id,
          json(with(batch, "input.p99", 0.9)),
          true);
      addRaw(
          "batch.output.extra object (allowed)",
          Category.UNKNOWN_FIELD,
          id,
          json(with(batch, "output.histogram", List.of(1, 2, 3))),
          true);
    }

    void unknownTypeOrVersion() {
      String id = nextRun();
      ObjectNode batch = tree(batch(id, 1, 1_000));
      for (String type :
          List.of("\"epoch\"", "\"BATCH\"", "\"\"", "\"batch \"", "null", "1", "[\"batch\"]")) {
        add(
            "type=" + type,
            Category.UNKNOWN_TYPE_OR_VERSION,
            id,
            withRawValue(batch, "type", type),
            false);
      }
      ObjectNode noType = batch.deepCopy();
      noType.remove("type");
      add("type missing", Category.UNKNOWN_TYPE_OR_VERSION, id, bytes(noType), false);
      for (String version :
          List.of("2", "0", "-1", "\"1\"", "1.0", "1.5", "null", "true", "99999999999999999999")) {
        add(
            "schema_version=" + version,
            Category.UNKNOWN_TYPE_OR_VERSION,
            id,
            withRawValue(batch, "schema_version", version),
            false);
      }
      ObjectNode noVersion = batch.deepCopy();
      noVersion.remove("schema_version");
      add("schema_version missing", Category.UNKNOWN_TYPE_OR_VERSION, id, bytes(noVersion), false);
    }

    void nullsAndTombstones() {
      String id = nextRun();
      add("tombstone (null value)", Category.TOMBSTONE, id, null, false);
      add("empty value", Category.TOMBSTONE, id, new byte[0], false);
      addRaw("JSON null", Category.NULL_VALUE, id, "null", false);
      ObjectNode started = tree(runStarted(id, 1_000));
      ObjectNode unbounded = started.deepCopy();
      set(unbounded, "loss.lower_bound", NODES.nullNode());
      // null has a meaning of its own here: the loss is unbounded below.
      add(
          "run_started.loss.lower_bound=null (unbounded, allowed)",
          Category.NULL_VALUE,
          id,
          bytes(unbounded),
          true);
      ObjectNode noBound = started.deepCopy();
      remove(noBound, "loss.lower_bound");
      add(
          "run_started.loss.lower_bound missing (= 0, allowed)",
          Category.MISSING_FIELD,
          id,
          bytes(noBound),
          true);
      add(
          "run_started.loss.lower_bound=\"NaN\"",
          Category.NON_FINITE,
          id,
          withRawValue(started, "loss.lower_bound", "\"NaN\""),
          false);
      add(
          "run_started.loss.lower_bound=-Infinity",
          Category.NON_FINITE,
          id,
          withRawValue(started, "loss.lower_bound", "-Infinity"),
          false);
    }

    void oversized() {
      String id = nextRun();
      ObjectNode started = tree(runStarted(id, 1_000));
      addRaw(
          "run_id of 257 characters",
          Category.OVERSIZED,
          id,
          json(with(tree(batch(id, 1, 1_000)), "run_id", "r".repeat(257))),
          false);
      String longId = "r".repeat(256);
      add(
          "run_id of 256 characters (allowed)",
          Category.OVERSIZED,
          longId,
          EventCodec.encode(batch(longId, 1, 1_000)),
          true);
      addRaw(
          "framework of 65 characters",
          Category.OVERSIZED,
          id,
          json(with(started, "framework", "f".repeat(65))),
          false);
      addRaw(
          "model of 1025 characters",
          Category.OVERSIZED,
          id,
          json(with(started, "model", "m".repeat(1025))),
          false);
      ObjectNode manyLabels = started.deepCopy();
      ObjectNode labels = manyLabels.putObject("labels");
      for (int i = 0; i < 65; i++) {
        labels.put("k" + i, "v");
      }
      addRaw("65 labels", Category.OVERSIZED, id, json(manyLabels), false);
      addRaw(
          "label value of 1025 characters",
          Category.OVERSIZED,
          id,
          json(with(started, "labels.team", "v".repeat(1025))),
          false);
      ObjectNode manyRules = started.deepCopy();
      ObjectNode rules = manyRules.putObject("rules");
      for (int i = 0; i < 65; i++) {
        rules.putObject("rule" + i).put("enabled", true);
      }
      addRaw("65 rule overrides", Category.OVERSIZED, id, json(manyRules), false);
      addRaw(
          "reason of 4097 characters",
          Category.OVERSIZED,
          id,
          json(with(tree(runEnded(id, 1_000)), "reason", "x".repeat(4097))),
          false);
    }

    void nonFinite() {
      String id = nextRun();
      ObjectNode batch = tree(batch(id, 1, 1_000));
      for (Field f : BATCH_FIELDS) {
        if (f.kind() == Kind.REAL || f.kind() == Kind.NON_NEGATIVE_REAL) {
          for (String spelling : ACCEPTED_NON_FINITE) {
            String runId = nextRun();
            boolean negative = spelling.startsWith("-") || spelling.startsWith("\"-");
            add(
                "batch." + f.path() + "=" + spelling,
                Category.NON_FINITE,
                runId,
                withRawValue(with(batch, "run_id", runId), f.path(), spelling),
                f.kind() == Kind.REAL || !negative);
          }
          for (String spelling : REJECTED_NON_FINITE) {
            add(
                "batch." + f.path() + "=" + spelling,
                Category.NON_FINITE,
                id,
                withRawValue(batch, f.path(), spelling),
                false);
          }
        } else if (f.kind() == Kind.INT || f.kind() == Kind.FINITE) {
          for (String spelling : List.of("\"NaN\"", "NaN", "Infinity", "-Infinity", "1e400")) {
            add(
                "batch." + f.path() + "=" + spelling,
                Category.NON_FINITE,
                id,
                withRawValue(batch, f.path(), spelling),
                false);
          }
        }
      }
      ObjectNode started = tree(runStarted(id, 1_000));
      add(
          "run_started.input_range.max=Infinity",
          Category.NON_FINITE,
          id,
          withRawValue(started, "input_range.max", "Infinity"),
          false);
    }

    void absurdCounts() {
      String id = nextRun();
      ObjectNode batch = tree(batch(id, 1, 1_000));
      ObjectNode started = tree(runStarted(id, 1_000));
      absurd(batch, "batch", "step", "-1", false);
      absurd(batch, "batch", "step", "9223372036854775808", false); // 2^63: no longer a long
      absurd(batch, "batch", "ts_ms", "-5", false);
      absurd(batch, "batch", "epoch", "-1", false);
      absurd(batch, "batch", "epoch", "2147483648", false);
      absurd(batch, "batch", "batch_size", "0", false);
      absurd(batch, "batch", "batch_size", "-32", false);
      absurd(batch, "batch", "input.nonfinite", "-1", false);
      absurd(batch, "batch", "input.count", "-1", false);
      absurd(
          batch,
          "batch",
          "input.nonfinite",
          "129",
          false); // more non-finite elements than elements
      absurd(batch, "batch", "output.count", "18446744073709551616", false);
      absurd(batch, "batch", "predictions.top_class_fraction", "1.5", false);
      absurd(batch, "batch", "predictions.entropy", "-0.1", false);
      absurd(batch, "batch", "step_ms", "-3", false);
      absurd(batch, "batch", "first_layer_grad_norm", "-1e-9", false);
      absurd(started, "run_started", "rank", "-1", false);
      absurd(started, "run_started", "num_classes", "0", false);
      absurd(started, "run_started", "input_range.min", "2", false); // min > max
      // Absurd but within the contract: the monitor must survive them.
      absurd(batch, "batch", "step", "9223372036854775807", true);
      absurd(batch, "batch", "input.count", "9223372036854775807", true);
      absurd(batch, "batch", "ts_ms", "9223372036854775807", true);
      absurd(batch, "batch", "loss", "1e308", true);
      absurd(batch, "batch", "loss", "-1e308", true);
      absurd(batch, "batch", "grad_norm", "4.9e-324", true);
      absurd(batch, "batch", "first_layer_grad_norm", "0", true);
      absurd(started, "run_started", "num_classes", "2147483647", true);
    }

    private void absurd(ObjectNode base, String type, String path, String raw, boolean valid) {
      String runId = nextRun();
      add(
          type + "." + path + "=" + raw,
          Category.ABSURD_COUNT,
          runId,
          withRawValue(with(base, "run_id", runId), path, raw),
          valid);
    }

    void controls() {
      String id = nextRun();
      add(
          "well-formed run_started",
          Category.CONTROL,
          id,
          EventCodec.encode(runStarted(id, 1_000)),
          true);
      add("well-formed batch", Category.CONTROL, id, EventCodec.encode(batch(id, 1, 1_001)), true);
      add(
          "well-formed run_ended",
          Category.CONTROL,
          id,
          EventCodec.encode(runEnded(id, 1_002)),
          true);
      String odd = nextRun() + "\n[main] ERROR forged log line \u0007 \u202e";
      add(
          "run_id with line break and control characters (allowed)",
          Category.CONTROL,
          odd,
          EventCodec.encode(batch(odd, 1, 1_000)),
          true);
      String unicode = nextRun() + "-训练-🚀";
      add(
          "run_id with non-ASCII (allowed)",
          Category.CONTROL,
          unicode,
          EventCodec.encode(batch(unicode, 1, 1_000)),
          true);
    }

    private static String json(JsonNode node) {
      return new String(bytes(node), UTF_8);
    }

    private static ObjectNode with(ObjectNode base, String path, Object value) {
      ObjectNode copy = base.deepCopy();
      set(copy, path, JSON.valueToTree(value));
      return copy;
    }

    private static byte[] concat(byte[] a, byte[] b) {
      byte[] out = new byte[a.length + b.length];
      System.arraycopy(a, 0, out, 0, a.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }
  }
}
