package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.schemas.Alert;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertmanagerPayloadsTest {

  private final AlertmanagerPayloads payloads =
      new AlertmanagerPayloads(
          new LinkTemplates(
              "https://mlflow.example.com/#/runs/{run_id}",
              "https://wiki.example.com/trainwatch/{rule}"));
  private final Instant now = Instant.parse("2026-11-26T10:02:00Z");

  @Test
  void shouldPostFiringAlertWithLeasedEndsAt() {
    Alert a = TestAlerts.firing("cifar-resnet-42");

    JsonNode list = payloads.postableAlerts(List.of(a), now, Duration.ofMinutes(4));

    assertThat(list).hasSize(1);
    JsonNode o = list.get(0);
    assertThat(o.get("labels").toString())
        .isEqualTo(
            "{\"alert_id\":\"cifar-resnet-42/negative_loss\","
                + "\"alertname\":\"negative_loss\",\"job\":\"cifar-resnet\",\"run_id\":\"cifar-resnet-42\","
                + "\"severity\":\"critical\",\"team\":\"vision\"}");
    assertThat(o.at("/annotations/summary").asText()).isEqualTo(a.summary());
    assertThat(o.at("/annotations/hint").asText()).isEqualTo(TestAlerts.HINT);
    assertThat(o.at("/annotations/diagnosis").asText()).isEqualTo("softmax_into_nll");
    assertThat(o.at("/annotations/evidence").asText())
        .isEqualTo("loss=-0.1031, lower_bound=0, output_row_sum_mean=1, batches=3");
    assertThat(o.at("/annotations/step").asText()).isEqualTo("12");
    assertThat(o.at("/annotations/runbook_url").asText())
        .isEqualTo("https://wiki.example.com/trainwatch/negative_loss");
    assertThat(o.get("startsAt").asText()).isEqualTo("2026-11-26T10:01:00Z");
    assertThat(o.get("endsAt").asText()).isEqualTo("2026-11-26T10:06:00Z");
    assertThat(o.get("generatorURL").asText())
        .isEqualTo("https://mlflow.example.com/#/runs/cifar-resnet-42");
  }

  @Test
  void shouldPostResolvedAlertWithItsEndsAtAndTheSameLabels() {
    Alert a = TestAlerts.firing("cifar-resnet-42");
    Alert r = TestAlerts.resolved(a);

    JsonNode firing = payloads.postableAlerts(List.of(a), now, Duration.ofMinutes(4)).get(0);
    JsonNode resolved = payloads.postableAlerts(List.of(r), now, Duration.ofMinutes(4)).get(0);

    assertThat(resolved.get("endsAt").asText()).isEqualTo("2026-11-26T10:04:12Z");
    assertThat(resolved.get("labels")).isEqualTo(firing.get("labels"));
  }

  @Test
  void shouldMakeLabelNamesValidForAlertmanager() {
    Alert a =
        TestAlerts.withLabels(
            TestAlerts.firing("r"), Map.of("k8s.io/team", "vision", "9lives", "x", "empty", ""));

    assertThat(AlertmanagerPayloads.labels(a))
        .containsEntry("k8s_io_team", "vision")
        .containsEntry("_lives", "x")
        .doesNotContainKey("empty");
  }

  @Test
  void shouldComputeAlertmanagerFingerprintAsPrometheusDoes() {
    // prometheus/common model/signature_test.go: TestMetricToFingerprint
    assertThat(
            AlertmanagerPayloads.fingerprint(
                Map.of("name", "garland, briggs", "fear", "love is not enough")))
        .isEqualTo(String.format("%016x", 5799056148416392346L));
    assertThat(AlertmanagerPayloads.fingerprint(Map.of()))
        .isEqualTo(String.format("%016x", 0xcbf29ce484222325L));
  }

  @Test
  void shouldBuildTheWebhookPayloadAlertmanagerSends() {
    Alert a = TestAlerts.firing("cifar-resnet-42");

    JsonNode p = payloads.webhookPayload(List.of(a), "pd-vision");

    assertThat(p.get("version").asText()).isEqualTo("4");
    assertThat(p.get("groupKey").asText())
        .isEqualTo("{}:{alert_id=\"cifar-resnet-42/negative_loss\"}");
    assertThat(p.get("truncatedAlerts").asInt()).isZero();
    assertThat(p.get("status").asText()).isEqualTo("firing");
    assertThat(p.get("receiver").asText()).isEqualTo("pd-vision");
    assertThat(p.get("groupLabels").isObject()).isTrue();
    assertThat(p.get("commonLabels")).isEqualTo(p.at("/alerts/0/labels"));
    assertThat(p.get("commonAnnotations")).isEqualTo(p.at("/alerts/0/annotations"));
    assertThat(p.has("externalURL")).isTrue();
    JsonNode alert = p.at("/alerts/0");
    assertThat(alert.get("status").asText()).isEqualTo("firing");
    assertThat(alert.get("endsAt").asText()).isEqualTo("0001-01-01T00:00:00Z");
    assertThat(alert.get("generatorURL").asText())
        .isEqualTo("https://mlflow.example.com/#/runs/cifar-resnet-42");
    assertThat(alert.get("fingerprint").asText())
        .hasSize(16)
        .isEqualTo(AlertmanagerPayloads.fingerprint(AlertmanagerPayloads.labels(a)));

    JsonNode resolved = payloads.webhookPayload(List.of(TestAlerts.resolved(a)), "pd-vision");
    assertThat(resolved.get("status").asText()).isEqualTo("resolved");
    assertThat(resolved.at("/alerts/0/endsAt").asText()).isEqualTo("2026-11-26T10:04:12Z");
    assertThat(resolved.at("/alerts/0/fingerprint")).isEqualTo(alert.get("fingerprint"));
  }

  @Test
  void shouldLabelTheHostDeviceAndRankSoSilencesCanMatchANode() {
    Alert a =
        TestAlerts.firing("llm-rank0")
            .withPlacement(
                new io.trainwatch.schemas.AlertPlacement(
                    "gpu-node-17", "GPU-5f1c", 0, List.of(0, 1, 2)));

    JsonNode o = payloads.postableAlerts(List.of(a), now, Duration.ofMinutes(4)).get(0);

    assertThat(o.at("/labels/host").asText()).isEqualTo("gpu-node-17");
    assertThat(o.at("/labels/device").asText()).isEqualTo("GPU-5f1c");
    assertThat(o.at("/labels/rank").asText()).isEqualTo("0");
    assertThat(o.at("/annotations/ranks").asText()).isEqualTo("0, 1, 2");
  }
}
