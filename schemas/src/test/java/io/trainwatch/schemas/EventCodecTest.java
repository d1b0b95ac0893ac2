package io.trainwatch.schemas;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventCodecTest {

  private static final String STATS =
      "{\"min\":0,\"max\":1,\"mean\":0.5,\"std\":0.1,\"nonfinite\":0,\"count\":4}";

  private static String batch(String loss) {
    return "{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"r\",\"ts_ms\":1,\"step\":3,\"loss\":"
        + loss
        + ",\"input\":"
        + STATS
        + ",\"output\":"
        + STATS
        + "}";
  }

  private static TrainingEvent decode(String json) {
    return EventCodec.decode(json.getBytes(UTF_8));
  }

  @Test
  void shouldReadEveryNonFiniteSpelling() {
    assertThat(((BatchEvent) decode(batch("\"NaN\""))).loss()).isNaN();
    assertThat(((BatchEvent) decode(batch("NaN"))).loss()).isNaN();
    assertThat(((BatchEvent) decode(batch("\"Infinity\""))).loss())
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(((BatchEvent) decode(batch("Infinity"))).loss()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(((BatchEvent) decode(batch("\"-Infinity\""))).loss())
        .isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(((BatchEvent) decode(batch("-Infinity"))).loss())
        .isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void shouldWriteNonFiniteNumbersAsStrings() {
    String json = new String(EventCodec.encode(decode(batch("NaN"))), UTF_8);
    assertThat(json).contains("\"loss\":\"NaN\"");
  }

  @Test
  void shouldNameTheOffendingFieldWhenRejecting() {
    assertThatThrownBy(() -> decode(batch("\"lots\"")))
        .hasMessageStartingWith("loss: expected a number");
    assertThatThrownBy(() -> decode(batch("null"))).hasMessage("loss: required");
    assertThatThrownBy(
            () ->
                decode(
                    "{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"r\",\"ts_ms\":1,"
                        + "\"step\":0,\"loss\":1,\"input\":{\"min\":0,\"max\":1,\"mean\":0.5,\"std\":0.1,\"nonfinite\":0},"
                        + "\"output\":"
                        + STATS
                        + "}"))
        .hasMessage("input.count: required");
    assertThatThrownBy(() -> decode("[1,2]")).hasMessage("event: expected an object, got array");
    assertThatThrownBy(() -> decode("{\"schema_version\":7}"))
        .hasMessageStartingWith("schema_version=7: unsupported");
    assertThatThrownBy(() -> decode("not json")).hasMessageStartingWith("value: not valid JSON");
    assertThatThrownBy(() -> EventCodec.decode(null)).hasMessageContaining("tombstone");
    assertThatThrownBy(
            () ->
                decode(
                    batch("1")
                        .replace("\"nonfinite\":0,\"count\":4", "\"nonfinite\":9,\"count\":4")))
        .hasMessage("nonfinite=9: must be <= count=4");
  }

  @Test
  void shouldReadTheFirstLayerGradientNormWhenPresentAndNullWhenAbsent() {
    String withNorms =
        batch("2.3").replace("}}", "},\"grad_norm\":0.2,\"first_layer_grad_norm\":3.5e-12}");

    assertThat(((BatchEvent) decode(withNorms)).firstLayerGradNorm()).isEqualTo(3.5e-12);
    assertThat(((BatchEvent) decode(batch("2.3"))).firstLayerGradNorm()).isNull();
    assertThat(((BatchEvent) decode(withNorms.replace("3.5e-12", "\"NaN\""))).firstLayerGradNorm())
        .isNaN();
    assertThat(new String(EventCodec.encode(decode(withNorms)), UTF_8))
        .contains("\"first_layer_grad_norm\":3.5E-12");
  }

  @Test
  void shouldRejectANegativeFirstLayerGradientNormNamingTheField() {
    String negative = batch("2.3").replace("}}", "},\"first_layer_grad_norm\":-0.5}");

    assertThatThrownBy(() -> decode(negative))
        .hasMessage("first_layer_grad_norm=-0.5: must be >= 0");
    assertThatThrownBy(() -> decode(negative.replace("-0.5", "\"-Infinity\"")))
        .hasMessage("first_layer_grad_norm=-Infinity: must be >= 0");
    assertThatThrownBy(() -> decode(negative.replace("-0.5", "\"small\"")))
        .hasMessageStartingWith("first_layer_grad_norm: expected a number");
  }

  @Test
  void shouldRejectWhatIsNotExactlyOneUtf8Document() {
    String good = batch("1");
    assertThat(decode(good)).isInstanceOf(BatchEvent.class);
    assertThatThrownBy(() -> decode(good + " garbage"))
        .hasMessageStartingWith("value: not valid JSON");
    assertThatThrownBy(() -> decode(good + good)).hasMessageStartingWith("value: not valid JSON");
    assertThatThrownBy(() -> decode(good.replace("\"step\":3", "\"step\":3,\"step\":4")))
        .hasMessageStartingWith("value: not valid JSON")
        .hasMessageContaining("step");
    assertThatThrownBy(
            () -> EventCodec.decode(good.getBytes(java.nio.charset.StandardCharsets.UTF_16)))
        .hasMessage("value: not UTF-8 (looks like UTF-16 or UTF-32)");
    assertThatThrownBy(
            () -> EventCodec.decode(good.getBytes(java.nio.charset.StandardCharsets.UTF_16LE)))
        .hasMessage("value: not UTF-8 (looks like UTF-16 or UTF-32)");
  }

  @Test
  void shouldSayWhereTheJsonBreaksWithoutJacksonBoilerplate() {
    assertThatThrownBy(() -> decode("{\"schema_version\":1,"))
        .hasMessageStartingWith("value: not valid JSON: Unexpected end-of-input")
        .hasMessageNotContaining("Source")
        .hasMessageContaining("(at line 1, column ");
  }

  @Test
  void shouldTreatAbsentLowerBoundAsZeroAndNullAsUnbounded() {
    String absent =
        "{\"schema_version\":1,\"type\":\"run_started\",\"run_id\":\"r\",\"ts_ms\":1,\"framework\":\"x\","
            + "\"loss\":{\"name\":\"nll_loss\"}}";
    String unbounded =
        absent.replace(
            "{\"name\":\"nll_loss\"}", "{\"name\":\"GaussianNLLLoss\",\"lower_bound\":null}");
    assertThat(((RunStarted) decode(absent)).loss().lowerBound()).isEqualTo(0.0);
    assertThat(((RunStarted) decode(unbounded)).loss().unboundedBelow()).isTrue();
  }

  @Test
  void shouldRejectOverlongRunIds() {
    String id = "x".repeat(257);
    assertThatThrownBy(
            () -> decode(batch("1").replace("\"run_id\":\"r\"", "\"run_id\":\"" + id + "\"")))
        .hasMessage("run_id: 257 characters, at most 256 allowed");
  }

  private static String batchWith(String fields) {
    String b = batch("2.5");
    return b.substring(0, b.length() - 1) + "," + fields + "}";
  }

  private static String rankStarted(String fields) {
    return "{\"schema_version\":1,\"type\":\"run_started\",\"run_id\":\"r\",\"ts_ms\":1,"
        + "\"framework\":\"pytorch\","
        + fields
        + "}";
  }

  @Test
  void shouldReadTheFleetFieldsOfARank() {
    RunStarted r =
        (RunStarted)
            decode(
                rankStarted(
                    "\"job\":\"j\",\"rank\":3,\"world_size\":8,\"device\":\"GPU-1\","
                        + "\"attempt\":2,\"input_encoding\":\"token_ids\""));
    assertThat(r.rank()).isEqualTo(3);
    assertThat(r.worldSize()).isEqualTo(8);
    assertThat(r.device()).isEqualTo("GPU-1");
    assertThat(r.attempt()).isEqualTo(2);
    assertThat(r.inputEncodingOrDefault()).isEqualTo(InputEncoding.TOKEN_IDS);
    assertThat(EventCodec.decode(EventCodec.encode(r))).isEqualTo(r);
    RunStarted plain = (RunStarted) decode(rankStarted("\"job\":\"j\""));
    assertThat(plain.worldSize()).isNull();
    assertThat(plain.attempt()).isNull();
    assertThat(plain.inputEncodingOrDefault()).isEqualTo(InputEncoding.FEATURES);
  }

  @Test
  void shouldRejectARankOutsideItsWorld() {
    assertThatThrownBy(() -> decode(rankStarted("\"rank\":8,\"world_size\":8")))
        .hasMessage("rank=8: must be < world_size=8");
    assertThatThrownBy(() -> decode(rankStarted("\"world_size\":0")))
        .hasMessage("world_size=0: must be >= 1");
    assertThatThrownBy(() -> decode(rankStarted("\"attempt\":-1")))
        .hasMessage("attempt=-1: must be >= 0");
    assertThatThrownBy(() -> decode(rankStarted("\"input_encoding\":7")))
        .hasMessage("input_encoding: expected a string, got number");
  }

  @Test
  void shouldReadPhasesAndTheLossScaler() {
    BatchEvent b =
        (BatchEvent)
            decode(
                batchWith(
                    "\"step_ms\":100,\"data_ms\":4.5,\"compute_ms\":70,"
                        + "\"loss_scale\":65536,\"skipped\":true"));
    assertThat(b.dataMs()).isEqualTo(4.5);
    assertThat(b.computeMs()).isEqualTo(70.0);
    assertThat(b.lossScale()).isEqualTo(65536.0);
    assertThat(b.stepSkipped()).isTrue();
    assertThat(EventCodec.decode(EventCodec.encode(b))).isEqualTo(b);
    assertThat(((BatchEvent) decode(batch("1"))).stepSkipped()).isFalse();
  }

  @Test
  void shouldRejectHostilePhasesAndScales() {
    assertThatThrownBy(() -> decode(batchWith("\"data_ms\":-1")))
        .hasMessage("data_ms=-1.0: must be finite and >= 0");
    assertThatThrownBy(() -> decode(batchWith("\"compute_ms\":\"NaN\"")))
        .hasMessageStartingWith("compute_ms: expected a finite number");
    assertThatThrownBy(() -> decode(batchWith("\"loss_scale\":0")))
        .hasMessage("loss_scale=0.0: must be finite and > 0");
    assertThatThrownBy(() -> decode(batchWith("\"skipped\":1")))
        .hasMessage("skipped: expected true or false, got number");
  }

  @Test
  void shouldSkipAndReportWhatANewerTrainerAdds() {
    EventCodec.Decoded d =
        EventCodec.read(
            rankStarted(
                    "\"input_encoding\":\"audio\",\"mesh\":{\"tp\":2},"
                        + "\"loss\":{\"name\":\"l\",\"input_kind\":\"energies\",\"reduction\":\"sum\"}")
                .getBytes(UTF_8));
    RunStarted r = (RunStarted) d.event();
    assertThat(r.inputEncoding()).isNull();
    assertThat(r.loss().inputKind()).isNull();
    assertThat(r.loss().name()).isEqualTo("l");
    assertThat(d.ignored())
        .containsExactlyInAnyOrder(
            "input_encoding=\"audio\"", "mesh", "loss.input_kind=\"energies\"", "loss.reduction");
    EventCodec.Decoded b = EventCodec.read(batchWith("\"p99_step_ms\":3").getBytes(UTF_8));
    assertThat(b.ignored()).containsExactly("p99_step_ms");
    assertThat(EventCodec.read(batch("1").getBytes(UTF_8)).ignored()).isEmpty();
  }

  @Test
  void shouldStillRefuseWhatNoVersionAllows() {
    assertThatThrownBy(() -> decode(batchWith("\"step_ms\":\"fast\"")))
        .hasMessageStartingWith("step_ms: expected a finite number");
    assertThatThrownBy(
            () ->
                decode(
                    "{\"schema_version\":1,\"type\":\"run_ended\",\"run_id\":\"r\",\"ts_ms\":1,"
                        + "\"status\":\"paused\"}"))
        .hasMessageStartingWith("status=");
  }
}
