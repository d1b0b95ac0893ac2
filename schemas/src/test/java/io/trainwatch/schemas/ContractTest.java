package io.trainwatch.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The JSON Schema files are the source of truth: the Java side must write what they accept. */
class ContractTest {

  private static final String BASE = "https://trainwatch.io/schemas/v1/";
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          b -> b.schemaMappers(m -> m.mapPrefix(BASE, "classpath:trainwatch/schemas/json/")));
  static final JsonSchema EVENT_SCHEMA =
      FACTORY.getSchema(SchemaLocation.of(BASE + "event.schema.json"));
  static final JsonSchema ALERT_SCHEMA =
      FACTORY.getSchema(SchemaLocation.of(BASE + "alert.schema.json"));
  static final JsonSchema CONTROL_SCHEMA =
      FACTORY.getSchema(SchemaLocation.of(BASE + "control.schema.json"));
  private static final ObjectMapper PLAIN = new ObjectMapper();

  static Set<ValidationMessage> validate(JsonSchema schema, byte[] json) {
    try {
      return schema.validate(PLAIN.readTree(json));
    } catch (IOException e) {
      throw new AssertionError(
          "not JSON: " + new String(json, java.nio.charset.StandardCharsets.UTF_8), e);
    }
  }

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("examples"))) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
      assertThat(files).hasSizeGreaterThanOrEqualTo(5);
      return files.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void shouldAcceptEveryExampleInSchemaAndCodec(Path example) throws IOException {
    byte[] json = Files.readAllBytes(example);
    if (example.getFileName().toString().startsWith("control.")) {
      assertThat(validate(CONTROL_SCHEMA, json)).as("schema errors for %s", example).isEmpty();
      byte[] again = ControlCodec.encode(ControlCodec.decode(json));
      assertThat(validate(CONTROL_SCHEMA, again)).as("re-encoded %s", example).isEmpty();
      assertThat(ControlCodec.decode(again)).isEqualTo(ControlCodec.decode(json));
      return;
    }
    boolean isAlert = example.getFileName().toString().startsWith("alert.");
    assertThat(validate(isAlert ? ALERT_SCHEMA : EVENT_SCHEMA, json))
        .as("schema errors for %s", example)
        .isEmpty();

    byte[] rewritten =
        isAlert
            ? AlertCodec.encode(AlertCodec.decode(json))
            : EventCodec.encode(EventCodec.decode(json));
    assertThat(validate(isAlert ? ALERT_SCHEMA : EVENT_SCHEMA, rewritten))
        .as("re-encoded %s", example)
        .isEmpty();
    if (isAlert) {
      assertThat(AlertCodec.decode(rewritten)).isEqualTo(AlertCodec.decode(json));
    } else {
      assertThat(EventCodec.decode(rewritten)).isEqualTo(EventCodec.decode(json));
    }
  }

  @Test
  void shouldWriteEventsTheSchemaAccepts() {
    List<TrainingEvent> events =
        List.of(
            new RunStarted(
                "r1",
                1L,
                "dl4j",
                "job",
                "host",
                3,
                "mlp",
                Map.of("team", "ml"),
                10,
                new InputRange(-1, 1),
                new LossDescriptor("LossMCXENT", InputKind.PROBABILITIES, "softmax", 0.0),
                Map.of("loss_plateau", Map.of("enabled", false, "window", 200L))),
            RunStarted.of(
                "r2",
                2L,
                "pytorch",
                new LossDescriptor("GaussianNLLLoss", InputKind.VALUES, null, null)),
            RunStarted.of("r3", 2L, "pytorch", null),
            new BatchEvent(
                "r1",
                3L,
                0,
                0,
                32,
                -0.25,
                Stats.of(0, 255, 120.5, 70.1, 0, 640),
                new Stats(0.01, 0.9, 0.1, 0.2, 0, 320, 1.0, 1e-7),
                new Predictions(0.5, 0.7),
                1.5,
                0.01,
                12.5),
            new BatchEvent(
                "r1",
                4L,
                1,
                null,
                null,
                Double.NaN,
                Stats.of(0, 1, 0.5, 0.3, 0, 10),
                Stats.of(
                    Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY,
                    Double.NaN,
                    Double.NaN,
                    5,
                    10),
                null,
                Double.POSITIVE_INFINITY,
                null,
                null),
            new BatchEvent(
                "r1",
                5L,
                2,
                0,
                32,
                2.3,
                Stats.of(0, 1, 0.5, 0.3, 0, 10),
                Stats.of(0, 1, 0.1, 0.1, 0, 10),
                null,
                0.21,
                3.4e-12,
                0.1,
                null),
            new BatchEvent(
                "r1",
                6L,
                3,
                0,
                32,
                2.3,
                Stats.of(0, 1, 0.5, 0.3, 0, 10),
                Stats.of(0, 1, 0.1, 0.1, 0, 10),
                null,
                Double.NaN,
                Double.NaN,
                null,
                null),
            new BatchEvent(
                "r1",
                7L,
                4,
                0,
                32,
                2.3,
                Stats.of(0, 1, 0.5, 0.3, 0, 10),
                Stats.of(0, 1, 0.1, 0.1, 0, 10),
                null,
                Double.POSITIVE_INFINITY,
                Double.POSITIVE_INFINITY,
                null,
                null),
            CheckpointEvent.of("r1", 5L, 4, "/ckpt/r1/step-4.zip"),
            new CheckpointEvent("r1", 5L, 4, "s3://b/r1/4.pt", true),
            new RunEnded("r1", 5L, RunStatus.FAILED, "OOM"),
            new RunEnded("r1", 5L, RunStatus.COMPLETED, null));
    for (TrainingEvent e : events) {
      byte[] json = EventCodec.encode(e);
      assertThat(validate(EVENT_SCHEMA, json)).as(new String(json)).isEmpty();
      assertThat(EventCodec.decode(json)).isEqualTo(e);
    }
  }

  @Test
  void shouldWriteAlertsTheSchemaAccepts() {
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("loss", -0.5);
    evidence.put("batches", 3L);
    evidence.put("output_row_sum_mean", Double.NaN);
    evidence.put("diagnosed", true);
    evidence.put("note", null);
    Alert firing =
        new Alert(
            "r1/negative_loss/1",
            "e-1",
            1,
            AlertStatus.FIRING,
            "negative_loss",
            Severity.CRITICAL,
            "r1",
            null,
            "r1: loss is negative",
            "use LogSoftmax",
            "softmax_into_nll",
            evidence,
            12L,
            Instant.parse("2026-11-26T10:00:00Z"),
            null,
            Map.of("team", "ml"));
    Alert resolved =
        new Alert(
            "r1/negative_loss/1",
            "e-2",
            2,
            AlertStatus.RESOLVED,
            "negative_loss",
            Severity.CRITICAL,
            "r1",
            "job",
            "r1: resolved",
            "",
            null,
            Map.of(),
            null,
            Instant.parse("2026-11-26T10:00:00Z"),
            Instant.parse("2026-11-26T10:05:00.123Z"),
            Map.of());
    Alert acted =
        firing.withActions(
            List.of(
                new AlertAction(
                    "pin_checkpoint", "r1", "p", false, "c-1", 10L, "/ckpt/r1/step-10.zip"),
                new AlertAction("stop", "r1", "p", true, null, null, null)));
    for (Alert a : List.of(firing, resolved, acted)) {
      byte[] json = AlertCodec.encode(a);
      assertThat(validate(ALERT_SCHEMA, json)).as(new String(json)).isEmpty();
      assertThat(AlertCodec.decode(json)).isEqualTo(a);
    }
  }

  @Test
  void shouldKeepEvidenceOrderAndSummaryOnOneLine() {
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("z", 1L);
    evidence.put("a", 2L);
    Alert a =
        new Alert(
            "id",
            "e",
            1,
            AlertStatus.FIRING,
            "r",
            Severity.INFO,
            "run",
            null,
            "line1\nline2",
            "h",
            null,
            evidence,
            0L,
            Instant.EPOCH,
            null,
            Map.of());
    assertThat(a.summary()).isEqualTo("line1 line2");
    assertThat(new String(AlertCodec.encode(a))).contains("\"evidence\":{\"z\":1,\"a\":2}");
  }

  @Test
  void schemaShouldRejectWhatTheCodecRejects() {
    String[] invalid = {
      "{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"r\",\"ts_ms\":1,\"step\":-1,\"loss\":0,"
          + "\"input\":{\"min\":0,\"max\":0,\"mean\":0,\"std\":0,\"nonfinite\":0,\"count\":1},"
          + "\"output\":{\"min\":0,\"max\":0,\"mean\":0,\"std\":0,\"nonfinite\":0,\"count\":1}}",
      "{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"r\",\"ts_ms\":1,\"step\":1,\"loss\":0,"
          + "\"input\":{\"min\":0,\"max\":0,\"mean\":0,\"std\":0,\"nonfinite\":0,\"count\":1},"
          + "\"output\":{\"min\":0,\"max\":0,\"mean\":0,\"std\":0,\"nonfinite\":0,\"count\":1},"
          + "\"first_layer_grad_norm\":-0.5}",
      "{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"r\",\"ts_ms\":1,\"step\":1,\"loss\":0,"
          + "\"input\":{\"min\":0,\"max\":0,\"mean\":0,\"std\":0,\"nonfinite\":0,\"count\":1},"
          + "\"output\":{\"min\":0,\"max\":0,\"mean\":0,\"std\":0,\"nonfinite\":0,\"count\":1},"
          + "\"first_layer_grad_norm\":\"-Infinity\"}",
      "{\"schema_version\":2,\"type\":\"run_ended\",\"run_id\":\"r\",\"ts_ms\":1,\"status\":\"completed\"}",
      "{\"schema_version\":1,\"type\":\"run_ended\",\"run_id\":\"\",\"ts_ms\":1,\"status\":\"completed\"}",
      "{\"schema_version\":1,\"type\":\"run_ended\",\"run_id\":\"r\",\"ts_ms\":1,\"status\":\"paused\"}",
      "{\"schema_version\":1,\"type\":\"epoch\",\"run_id\":\"r\",\"ts_ms\":1}",
      "{\"schema_version\":1,\"type\":\"run_started\",\"run_id\":\"r\",\"ts_ms\":1}",
    };
    for (String json : invalid) {
      byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(validate(EVENT_SCHEMA, bytes)).as(json).isNotEmpty();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventCodec.decode(bytes))
          .as(json)
          .isInstanceOf(InvalidEventException.class);
    }
  }

  @Test
  void schemaAndCodecShouldAcceptWhatANewerWriterAdds() {
    String[] newer = {
      "{\"schema_version\":1,\"type\":\"run_ended\",\"run_id\":\"r\",\"ts_ms\":1,\"status\":\"completed\",\"x\":1}",
      "{\"schema_version\":1,\"type\":\"run_started\",\"run_id\":\"r\",\"ts_ms\":1,\"framework\":\"jax\","
          + "\"loss\":{\"name\":\"l\",\"reduction\":\"mean\"},\"mesh\":{\"dp\":8}}",
      "{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"r\",\"ts_ms\":1,\"step\":1,\"loss\":0,"
          + "\"input\":{\"min\":0,\"max\":0,\"mean\":0,\"std\":0,\"nonfinite\":0,\"count\":1},"
          + "\"output\":{\"min\":0,\"max\":0,\"mean\":0,\"std\":0,\"nonfinite\":0,\"count\":1},"
          + "\"predictions\":{\"top_class_fraction\":0.5,\"entropy\":0.5,\"top5\":0.9},"
          + "\"p99_step_ms\":12.5}",
    };
    for (String json : newer) {
      byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(validate(EVENT_SCHEMA, bytes)).as(json).isEmpty();
      assertThat(EventCodec.read(bytes).ignored()).as(json).isNotEmpty();
    }
  }

  @Test
  void bridgesShouldReadTheAlertsOfANewerMonitor() throws IOException {
    String alert = Files.readString(Path.of("examples/alert.negative-loss.firing.json")).trim();
    byte[] newer =
        (alert.substring(0, alert.length() - 1) + ",\"runbook_url\":\"https://x\"}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(validate(ALERT_SCHEMA, newer)).isEmpty();
    assertThat(AlertCodec.decode(newer))
        .isEqualTo(AlertCodec.decode(alert.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void examplesShouldCoverEveryEventTypeAndTheAlert() throws IOException {
    Set<String> types = new java.util.HashSet<>();
    try (Stream<Path> files = examples()) {
      files.forEach(
          p -> {
            try {
              JsonNode n = PLAIN.readTree(p.toFile());
              types.add(n.has("type") ? n.get("type").asText() : "alert");
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          });
    }
    assertThat(types).contains("run_started", "batch", "checkpoint", "run_ended", "alert");
  }

  @Test
  void shouldWriteCommandsTheSchemaAccepts() {
    List<ControlCommand> commands =
        List.of(
            new ControlCommand(
                "a#1:stop:r",
                CommandType.STOP,
                "r",
                "j",
                "r/x",
                "r/x#1",
                "nonfinite_loss",
                "r: nonfinite_loss",
                12L,
                10L,
                "/c/10.zip",
                5L),
            new ControlCommand(
                "a#1:pin_checkpoint:r",
                CommandType.PIN_CHECKPOINT,
                "r",
                null,
                "r/x",
                "r/x#1",
                "nonfinite_loss",
                "line1\nline2",
                null,
                10L,
                "/c/10.zip",
                5L),
            new ControlCommand(
                "a#1:checkpoint_now:r",
                CommandType.CHECKPOINT_NOW,
                "r",
                null,
                "r/x",
                "r/x#1",
                "loss_spike",
                "",
                3L,
                null,
                null,
                5L));
    for (ControlCommand c : commands) {
      byte[] json = ControlCodec.encode(c);
      assertThat(validate(CONTROL_SCHEMA, json)).as(new String(json)).isEmpty();
      assertThat(ControlCodec.decode(json)).isEqualTo(c);
    }
  }

  @Test
  void commandsShouldRefuseWhatTheSchemaRefuses() {
    String[] invalid = {
      "{\"schema_version\":1,\"command_id\":\"c\",\"command\":\"pin_checkpoint\",\"run_id\":\"r\","
          + "\"alert_id\":\"a\",\"alert_event_id\":\"a#1\",\"rule\":\"x\",\"reason\":\"\",\"ts_ms\":1}",
      "{\"schema_version\":1,\"command_id\":\"c\",\"command\":\"reboot\",\"run_id\":\"r\","
          + "\"alert_id\":\"a\",\"alert_event_id\":\"a#1\",\"rule\":\"x\",\"reason\":\"\",\"ts_ms\":1}",
      "{\"schema_version\":1,\"command_id\":\"c\",\"command\":\"stop\",\"run_id\":\"\","
          + "\"alert_id\":\"a\",\"alert_event_id\":\"a#1\",\"rule\":\"x\",\"reason\":\"\",\"ts_ms\":1}",
    };
    for (String json : invalid) {
      byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(validate(CONTROL_SCHEMA, bytes)).as(json).isNotEmpty();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ControlCodec.decode(bytes))
          .as(json)
          .isInstanceOf(InvalidEventException.class);
    }
    byte[] newer =
        ("{\"schema_version\":1,\"command_id\":\"c\",\"command\":\"stop\",\"run_id\":\"r\","
                + "\"alert_id\":\"a\",\"alert_event_id\":\"a#1\",\"rule\":\"x\",\"reason\":\"\","
                + "\"ts_ms\":1,\"deadline_ms\":5}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(validate(CONTROL_SCHEMA, newer)).isEmpty();
    assertThat(ControlCodec.decode(newer).command()).isEqualTo(CommandType.STOP);
  }

  @Test
  void actionsShouldReadAsOneLineForPeople() {
    AlertAction stop = new AlertAction("stop", "r7", "p", false, "c", 40L, "/c/40.zip");
    assertThat(stop.describe(52L, "r7: nonfinite_loss: loss NaN"))
        .isEqualTo(
            "trainwatch stopped run r7 at step 52 (last good checkpoint /c/40.zip, step 40)"
                + " because r7: nonfinite_loss: loss NaN");
    AlertAction dry = new AlertAction("stop", "r7", "p", true, null, null, null);
    assertThat(dry.describe(52L, "x"))
        .isEqualTo("trainwatch would have stopped run r7 at step 52 because x [dry run]");
  }
}
