package io.trainwatch.bridge;

import static io.trainwatch.bridge.KafkaFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.Severity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The generic webhook bridge end to end, and what every bridge does with unreadable or filtered
 * records.
 */
class WebhookBridgeIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final KafkaFixture kafka = new KafkaFixture(1);
  private final FakeHttpApi receiver = FakeHttpApi.start(FakeApis::webhook);
  private AlertBridge bridge;

  @AfterEach
  void tearDown() {
    if (bridge != null) {
      bridge.close();
    }
    receiver.close();
    kafka.close();
  }

  @Test
  void shouldPostTheAlertJsonUnchangedWithConfiguredHeaders() {
    Alert a = TestAlerts.firing("cifar-resnet-42");
    kafka.send(a);

    bridge = start(Map.of("webhook.header.Authorization", "Bearer t0k3n-for-the-receiver"));
    await(WAIT, "the alert accepted", () -> receiver.accepted().size() == 1);

    FakeHttpApi.Request r = receiver.accepted().get(0);
    assertThat(r.path()).isEqualTo("/hooks/trainwatch");
    assertThat(AlertCodec.decode(r.body())).isEqualTo(a);
    assertThat(r.text()).isEqualTo(new String(AlertCodec.encode(a), StandardCharsets.UTF_8));
    assertThat(r.header("Authorization")).isEqualTo("Bearer t0k3n-for-the-receiver");
    assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
  }

  @Test
  void shouldPostAlertmanagersWebhookPayload() {
    Alert a = TestAlerts.firing("cifar-resnet-42");
    kafka.send(a, TestAlerts.resolved(a));

    bridge = start(Map.of("webhook.format", "alertmanager"));
    await(WAIT, "both accepted", () -> receiver.accepted().size() == 2);

    JsonNode firing = receiver.accepted().get(0).json();
    JsonNode resolved = receiver.accepted().get(1).json();
    assertThat(firing.get("version").asText()).isEqualTo("4");
    assertThat(firing.get("status").asText()).isEqualTo("firing");
    assertThat(firing.get("receiver").asText()).isEqualTo(kafka.bridgeName);
    assertThat(firing.at("/alerts/0/labels/alertname").asText()).isEqualTo("negative_loss");
    assertThat(firing.at("/alerts/0/annotations/summary").asText()).isEqualTo(a.summary());
    assertThat(firing.at("/alerts/0/endsAt").asText()).isEqualTo("0001-01-01T00:00:00Z");
    assertThat(resolved.get("status").asText()).isEqualTo("resolved");
    assertThat(resolved.at("/alerts/0/endsAt").asText()).isEqualTo("2026-11-26T10:04:12Z");
    assertThat(resolved.at("/alerts/0/fingerprint")).isEqualTo(firing.at("/alerts/0/fingerprint"));
  }

  @Test
  void shouldRetryTimeoutsAndDeadLetterUnreadableRecordsWhileFilteringByRule() {
    Alert wanted = TestAlerts.firing("run-wanted");
    Alert noisy = TestAlerts.firing("run-noisy", "loss_plateau", Severity.WARNING, "cifar");
    receiver.injectNext(FakeHttpApi.Reply.noAnswerWithin(Duration.ofMillis(2500)));
    kafka.sendRaw(
        "garbage", "{\"schema_version\":1,\"alert_id\":\"x\"}".getBytes(StandardCharsets.UTF_8));
    kafka.sendRaw("tombstone", null);
    kafka.send(noisy, wanted);

    bridge = start(Map.of("filter.exclude_rules", "loss_plateau", "http.timeout", "1s"));
    await(WAIT, "the wanted alert accepted after a timeout", () -> receiver.accepted().size() == 1);

    assertThat(AlertCodec.decode(receiver.accepted().get(0).body()).runId())
        .isEqualTo("run-wanted");
    assertThat(receiver.requests()).hasSize(2).noneMatch(r -> r.text().contains("run-noisy"));
    ConsumerRecord<byte[], byte[]> dead = kafka.read(kafka.dlqTopic, 1).get(0);
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("garbage");
    assertThat(KafkaFixture.header(dead, AlertBridge.REASON_HEADER))
        .startsWith("not a valid alert: ")
        .contains("event_id");
    await(WAIT, "stats", () -> bridge.stats().delivered() == 1);
    BridgeStats.Snapshot s = bridge.stats();
    assertThat(s.received()).isEqualTo(4);
    assertThat(s.ignored()).isEqualTo(1);
    assertThat(s.filtered()).isEqualTo(1);
    assertThat(s.deadLettered()).isEqualTo(1);
    assertThat(s.retried()).isEqualTo(1);
  }

  @Test
  void shouldRideOutA502ATimeoutAndA429AndDeadLetterA422() {
    Alert a = TestAlerts.firing("run-a");
    Alert b = TestAlerts.firing("run-b");
    receiver.inject(
        r -> r.text().contains("run-a"),
        FakeHttpApi.Reply.of(502, "bad gateway"),
        FakeHttpApi.Reply.noAnswerWithin(Duration.ofMillis(2500)),
        FakeHttpApi.Reply.tooManyRequests("0", ""));
    receiver.inject(
        r -> r.text().contains("run-b"), FakeHttpApi.Reply.of(422, "unknown field alert_id"));
    kafka.send(a, b);

    bridge = start(Map.of("http.timeout", "1s"));
    await(
        WAIT,
        "a delivered, b dead-lettered",
        () -> bridge.stats().delivered() == 1 && bridge.stats().deadLettered() == 1);

    assertThat(receiver.accepted())
        .singleElement()
        .satisfies(r -> assertThat(AlertCodec.decode(r.body())).isEqualTo(a));
    assertThat(KafkaFixture.header(kafka.read(kafka.dlqTopic, 1).get(0), AlertBridge.REASON_HEADER))
        .isEqualTo("webhook answered HTTP 422: unknown field alert_id");
    assertThat(bridge.stats().retried()).isEqualTo(2);
    assertThat(bridge.stats().rateLimited()).isEqualTo(1);
  }

  private AlertBridge start(Map<String, String> extra) {
    Map<String, String> c = kafka.baseConfig();
    c.put("webhook.url", receiver.url("/hooks/trainwatch"));
    c.putAll(extra);
    return AlertBridge.create(
            BridgeConfig.parse(c, Map.of(), Destination.WEBHOOK), kafka.kafkaProps())
        .start();
  }
}
