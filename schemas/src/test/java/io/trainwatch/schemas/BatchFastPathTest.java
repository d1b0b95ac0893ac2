package io.trainwatch.schemas;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast path for batches against the tree reader on thousands of events, valid and broken: it
 * either gives up or reads exactly what the tree reader reads (same values, nothing ignored), and
 * it never accepts what the tree reader refuses.
 */
class BatchFastPathTest {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static final String[] FIELDS = {
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
    "skipped"
  };

  private static final String[] STATS_FIELDS = {
    "min", "max", "mean", "std", "nonfinite", "count", "row_sum_mean", "row_sum_std"
  };

  /** Values a broken writer might put anywhere, as JSON text. */
  private static final String[] ODD_VALUES = {
    "null",
    "\"x\"",
    "\"\"",
    "1.5",
    "-1",
    "0",
    "-0",
    "1e400",
    "-1e400",
    "99999999999999999999999",
    "2147483648",
    "true",
    "false",
    "{}",
    "[]",
    "\"NaN\"",
    "NaN",
    "\"Infinity\"",
    "-Infinity",
    "0.30000000000000004",
    "1E-320",
    "3",
    "1"
  };

  private static JsonNode real(Random rnd) {
    return switch (rnd.nextInt(8)) {
      case 0 -> F.textNode("NaN");
      case 1 -> F.textNode(rnd.nextBoolean() ? "Infinity" : "-Infinity");
      case 2 -> F.numberNode(rnd.nextInt(1000) - 500);
      case 3 -> F.numberNode(rnd.nextGaussian() * Math.pow(10, rnd.nextInt(40) - 20));
      default -> F.numberNode(rnd.nextDouble() * 10);
    };
  }

  private static ObjectNode stats(Random rnd) {
    ObjectNode s = F.objectNode();
    s.set("min", real(rnd));
    s.set("max", real(rnd));
    s.set("mean", real(rnd));
    s.set("std", real(rnd));
    long count = rnd.nextInt(5000);
    s.put("nonfinite", count == 0 ? 0 : rnd.nextInt((int) count + 1));
    s.put("count", count);
    if (rnd.nextBoolean()) {
      s.set("row_sum_mean", rnd.nextInt(5) == 0 ? F.nullNode() : real(rnd));
      s.set("row_sum_std", real(rnd));
    }
    return s;
  }

  /** A valid batch event, its optional fields present, absent or null at random. */
  private static ObjectNode validBatch(Random rnd) {
    ObjectNode b = F.objectNode();
    b.put("schema_version", 1);
    b.put("type", "batch");
    b.put("run_id", "run-" + rnd.nextInt(1000));
    b.put("ts_ms", Math.abs(rnd.nextLong() >> rnd.nextInt(63)));
    b.put("step", rnd.nextInt(1_000_000));
    optional(rnd, b, "epoch", F.numberNode(rnd.nextInt(100)));
    optional(rnd, b, "batch_size", F.numberNode(1 + rnd.nextInt(512)));
    b.set("loss", real(rnd));
    b.set("input", stats(rnd));
    b.set("output", stats(rnd));
    if (rnd.nextBoolean()) {
      ObjectNode p = F.objectNode();
      p.put("top_class_fraction", rnd.nextDouble());
      p.put("entropy", rnd.nextDouble());
      b.set("predictions", p);
    }
    for (String f : List.of("grad_norm", "lr")) {
      optional(rnd, b, f, real(rnd));
    }
    JsonNode firstLayer = real(rnd);
    if (firstLayer.isNumber() && firstLayer.doubleValue() < 0
        || "-Infinity".equals(firstLayer.asText())) {
      firstLayer = F.numberNode(-firstLayer.asDouble());
    }
    optional(rnd, b, "first_layer_grad_norm", firstLayer);
    for (String f : List.of("step_ms", "data_ms", "compute_ms")) {
      optional(rnd, b, f, F.numberNode(rnd.nextDouble() * 1000));
    }
    optional(rnd, b, "loss_scale", F.numberNode(1 + rnd.nextInt(65536)));
    optional(rnd, b, "skipped", F.booleanNode(rnd.nextBoolean()));
    return b;
  }

  private static void optional(Random rnd, ObjectNode b, String field, JsonNode value) {
    switch (rnd.nextInt(3)) {
      case 0 -> b.set(field, value);
      case 1 -> b.set(field, F.nullNode());
      default -> {}
    }
  }

  private static String text(JsonNode n) {
    return n.toString();
  }

  /** A broken or unusual variant of a valid event, as JSON text. */
  private static String mutate(Random rnd, ObjectNode valid) throws Exception {
    ObjectNode b = valid.deepCopy();
    String odd = ODD_VALUES[rnd.nextInt(ODD_VALUES.length)];
    switch (rnd.nextInt(10)) {
      case 0 -> b.set(FIELDS[rnd.nextInt(FIELDS.length)], Json.MAPPER.readTree(odd));
      case 1 -> {
        ObjectNode s = (ObjectNode) b.get(rnd.nextBoolean() ? "input" : "output");
        s.set(STATS_FIELDS[rnd.nextInt(STATS_FIELDS.length)], Json.MAPPER.readTree(odd));
      }
      case 2 -> b.remove(FIELDS[rnd.nextInt(FIELDS.length)]);
      case 3 -> ((ObjectNode) b.get("input")).remove(STATS_FIELDS[rnd.nextInt(6)]);
      case 4 -> b.put("a_newer_field", 1);
      case 5 -> ((ObjectNode) b.get("output")).put("a_newer_stat", 2);
      case 6 -> b.put("type", rnd.nextBoolean() ? "run_ended" : "Batch");
      case 7 -> {
        // A duplicate field, which the tree reader refuses.
        String t = text(b);
        String f = FIELDS[rnd.nextInt(8)];
        return t.substring(0, t.length() - 1) + ",\"" + f + "\":" + odd + "}";
      }
      case 8 -> {
        String t = text(b);
        return switch (rnd.nextInt(4)) {
          case 0 -> t + " {}";
          case 1 -> " " + t;
          case 2 -> t.substring(0, t.length() - 1);
          default -> t + "\n";
        };
      }
      default -> {
        ObjectNode p = F.objectNode();
        p.set("top_class_fraction", Json.MAPPER.readTree(odd));
        if (rnd.nextBoolean()) {
          p.put("entropy", 0.5);
        }
        b.set("predictions", p);
      }
    }
    return text(b);
  }

  /** Asserts the fast path agrees with the tree reader; returns whether it took the event. */
  private static boolean agrees(byte[] bytes) {
    BatchEvent fast = BatchFastPath.tryRead(bytes);
    EventCodec.Decoded tree;
    try {
      tree = EventCodec.readTree(bytes);
    } catch (InvalidEventException e) {
      assertThat(fast)
          .as("accepted what the tree reader refuses (%s): %s", e.getMessage(), utf8(bytes))
          .isNull();
      return false;
    }
    if (fast == null) {
      return false;
    }
    assertThat(fast).as(utf8(bytes)).isEqualTo(tree.event());
    assertThat(tree.ignored()).as(utf8(bytes)).isEmpty();
    assertThat(EventCodec.read(bytes)).isEqualTo(tree);
    return true;
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, UTF_8);
  }

  @Test
  void shouldReadEveryValidBatchToTheTreeReadersValues() {
    Random rnd = new Random(42);
    for (int i = 0; i < 5_000; i++) {
      byte[] json = text(validBatch(rnd)).getBytes(UTF_8);
      assertThat(agrees(json)).as("fast path taken: %s", utf8(json)).isTrue();
    }
  }

  @Test
  void shouldReadWhatTheCodecWritesToTheTreeReadersValues() {
    Random rnd = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      BatchEvent b =
          (BatchEvent) EventCodec.readTree(text(validBatch(rnd)).getBytes(UTF_8)).event();
      byte[] json = EventCodec.encode(b);
      assertThat(agrees(json)).isTrue();
      assertThat(EventCodec.decode(json)).isEqualTo(b);
    }
  }

  @Test
  void shouldGiveUpOnWhateverTheTreeReaderRefusesOrReportsAsIgnored() throws Exception {
    Random rnd = new Random(1234);
    int taken = 0;
    List<String> refused = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      String json = mutate(rnd, validBatch(rnd));
      if (agrees(json.getBytes(UTF_8))) {
        taken++;
      } else {
        refused.add(json);
      }
    }
    // Some variants stay valid (an optional field set to null, a value still in range): taken.
    assertThat(taken).isPositive();
    assertThat(refused).hasSizeGreaterThan(5_000);
  }

  @Test
  void shouldLeaveOtherEventTypesAndOddEncodingsToTheTreeReader() {
    assertThat(BatchFastPath.tryRead(null)).isNull();
    assertThat(BatchFastPath.tryRead(new byte[0])).isNull();
    assertThat(
            BatchFastPath.tryRead(
                "{\"schema_version\":1,\"type\":\"run_ended\",\"run_id\":\"r\",\"ts_ms\":1,\"status\":\"completed\"}"
                    .getBytes(UTF_8)))
        .isNull();
    assertThat(
            BatchFastPath.tryRead("{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_16)))
        .isNull();
  }
}
