package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.Severity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PagerDutyEventTest {

  private static final String KEY = "R0123456789abcdef0123456789abcd";
  private final PagerDutyEvent events =
      new PagerDutyEvent(
          KEY,
          new LinkTemplates(
              "https://mlflow.example.com/#/runs/{run_id}",
              "https://wiki.example.com/trainwatch/{rule}"));

  @Test
  void shouldTriggerWithTheAlertIdAsDedupKeyAndEvidenceInCustomDetails() {
    Alert a = TestAlerts.firing("cifar-resnet-42");

    JsonNode e = events.build(a);

    assertThat(fieldNames(e))
        .containsExactly(
            "routing_key", "event_action", "dedup_key", "payload", "client", "client_url", "links");
    assertThat(e.get("routing_key").asText()).isEqualTo(KEY);
    assertThat(e.get("event_action").asText()).isEqualTo("trigger");
    assertThat(e.get("dedup_key").asText()).isEqualTo("cifar-resnet-42/negative_loss");
    JsonNode p = e.get("payload");
    assertThat(p.get("summary").asText()).isEqualTo(a.summary());
    assertThat(p.get("source").asText()).isEqualTo("cifar-resnet-42");
    assertThat(p.get("severity").asText()).isEqualTo("critical");
    assertThat(p.get("timestamp").asText()).isEqualTo("2026-11-26T10:01:00Z");
    assertThat(p.get("group").asText()).isEqualTo("cifar-resnet");
    assertThat(p.get("class").asText()).isEqualTo("negative_loss");
    assertThat(p.get("component").asText()).isEqualTo("softmax_into_nll");
    JsonNode d = p.get("custom_details");
    assertThat(d.get("hint").asText()).isEqualTo(TestAlerts.HINT);
    assertThat(d.get("evidence").toString())
        .isEqualTo(
            "{\"loss\":-0.1031,\"lower_bound\":0,\"output_row_sum_mean\":1.0,\"batches\":3}");
    assertThat(d.get("labels").toString()).isEqualTo("{\"team\":\"vision\"}");
    assertThat(d.get("revision").asInt()).isEqualTo(1);
    assertThat(d.get("step").asLong()).isEqualTo(12);
    assertThat(e.get("client").asText()).isEqualTo("trainwatch");
    assertThat(e.get("client_url").asText())
        .isEqualTo("https://mlflow.example.com/#/runs/cifar-resnet-42");
    assertThat(e.get("links").toString())
        .isEqualTo(
            "[{\"href\":\"https://mlflow.example.com/#/runs/cifar-resnet-42\","
                + "\"text\":\"Run dashboard\"},{\"href\":\"https://wiki.example.com/trainwatch/negative_loss\","
                + "\"text\":\"Runbook\"}]");
  }

  @Test
  void shouldResolveWithTheSameRoutingAndDedupKeyOnly() {
    JsonNode e = events.build(TestAlerts.resolved(TestAlerts.firing("cifar-resnet-42")));

    assertThat(e.toString())
        .isEqualTo(
            "{\"routing_key\":\""
                + KEY
                + "\",\"event_action\":\"resolve\","
                + "\"dedup_key\":\"cifar-resnet-42/negative_loss\"}");
  }

  @Test
  void shouldMapEverySeverity() {
    for (Severity s : Severity.values()) {
      JsonNode e = events.build(TestAlerts.firing("r", "nan_loss", s, null));
      assertThat(e.at("/payload/severity").asText()).isEqualTo(s.wire());
      assertThat(e.at("/payload").has("group")).isFalse();
    }
  }

  @Test
  void shouldHashDedupKeysLongerThanPagerDutyAllows() {
    String longId = "r".repeat(256) + "/negative_loss";

    String key = PagerDutyEvent.dedupKey(longId);

    assertThat(key).startsWith("sha256:").hasSize(71).isEqualTo(PagerDutyEvent.dedupKey(longId));
    assertThat(PagerDutyEvent.dedupKey("run/rule")).isEqualTo("run/rule");
  }

  @Test
  void shouldWriteNonFiniteEvidenceAsStrings() {
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("loss", Double.NaN);
    ev.put("grad_norm", Double.POSITIVE_INFINITY);
    ev.put("ok", true);
    ev.put("note", null);

    JsonNode e = events.build(TestAlerts.withEvidence(TestAlerts.firing("r"), ev));

    assertThat(e.at("/payload/custom_details/evidence").toString())
        .isEqualTo("{\"loss\":\"NaN\",\"grad_norm\":\"Infinity\",\"ok\":true,\"note\":null}");
  }

  @Test
  void shouldDropCustomDetailsRatherThanExceedTheSizeLimit() {
    Map<String, Object> ev = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) {
      ev.put("blob_" + i, "y".repeat(3000));
    }

    JsonNode e = events.build(TestAlerts.withEvidence(TestAlerts.firing("r"), ev));

    assertThat(BridgeJson.bytes(e).length).isLessThan(PagerDutyEvent.MAX_EVENT_BYTES);
    assertThat(e.at("/payload/custom_details/error").asText()).startsWith("custom_details dropped");
    assertThat(e.at("/payload/summary").asText()).isNotEmpty();
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void shouldCarryWhereAJobLevelAlertPointsInCustomDetails() {
    Alert a =
        TestAlerts.firing("llm-rank0")
            .withPlacement(
                new io.trainwatch.schemas.AlertPlacement(
                    "gpu-node-17", "GPU-5f1c", 0, List.of(0, 1, 2)));

    JsonNode d = events.build(a).at("/payload/custom_details");

    assertThat(d.get("host").asText()).isEqualTo("gpu-node-17");
    assertThat(d.get("device").asText()).isEqualTo("GPU-5f1c");
    assertThat(d.get("rank").asInt()).isZero();
    assertThat(d.get("ranks").toString()).isEqualTo("[0,1,2]");
    assertThat(events.build(TestAlerts.firing("run")).at("/payload/custom_details").has("host"))
        .isFalse();
  }
}
