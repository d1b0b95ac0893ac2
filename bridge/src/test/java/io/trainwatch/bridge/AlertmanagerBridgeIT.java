package io.trainwatch.bridge;

import static io.trainwatch.bridge.KafkaFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.schemas.Alert;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Alertmanager bridge end to end: real broker, real HTTP server on loopback playing API v2. */
class AlertmanagerBridgeIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final KafkaFixture kafka = new KafkaFixture(1);
  private final FakeApis.Alertmanager alertmanager = new FakeApis.Alertmanager();
  private final FakeHttpApi api = FakeHttpApi.start(alertmanager::handle);
  private AlertBridge bridge;

  @AfterEach
  void tearDown() {
    if (bridge != null) {
      bridge.close();
    }
    api.close();
    kafka.close();
  }

  @Test
  void shouldPostFiringThenResolvedAlertWithLabelsAnnotationsTimesAndGeneratorUrl() {
    Alert a = TestAlerts.firing("cifar-resnet-42");
    kafka.send(a);
    Instant before = Instant.now();

    bridge = start(Map.of("links.run_url", "https://mlflow.example.com/#/runs/{run_id}"));
    await(WAIT, "the firing alert accepted", () -> api.accepted().size() == 1);

    JsonNode firing = api.accepted().get(0).json();
    assertThat(firing.isArray()).isTrue();
    JsonNode f = firing.get(0);
    assertThat(f.get("labels").toString())
        .isEqualTo(
            "{\"alert_id\":\"cifar-resnet-42/negative_loss\","
                + "\"alertname\":\"negative_loss\",\"job\":\"cifar-resnet\",\"run_id\":\"cifar-resnet-42\","
                + "\"severity\":\"critical\",\"team\":\"vision\"}");
    assertThat(f.at("/annotations/summary").asText()).isEqualTo(a.summary());
    assertThat(f.at("/annotations/hint").asText()).isEqualTo(TestAlerts.HINT);
    assertThat(f.get("startsAt").asText()).isEqualTo("2026-11-26T10:01:00Z");
    assertThat(Instant.parse(f.get("endsAt").asText()))
        .as("now + 4 x resend interval (1m)")
        .isAfter(before.plus(Duration.ofMinutes(3)))
        .isBefore(Instant.now().plus(Duration.ofMinutes(5)));
    assertThat(f.get("generatorURL").asText())
        .isEqualTo("https://mlflow.example.com/#/runs/cifar-resnet-42");
    assertThat(alertmanager.firingAt(a.alertId(), Instant.now())).isTrue();

    kafka.send(TestAlerts.resolved(a));
    await(WAIT, "the resolve accepted", () -> api.accepted().size() == 2);

    JsonNode r = api.accepted().get(1).json().get(0);
    assertThat(r.get("labels")).as("same identity").isEqualTo(f.get("labels"));
    assertThat(r.get("endsAt").asText()).isEqualTo("2026-11-26T10:04:12Z");
    assertThat(alertmanager.firingAt(a.alertId(), Instant.now())).isFalse();
  }

  @Test
  void shouldResendFiringAlertsUntilTheyAreResolved() {
    Alert a = TestAlerts.firing("run-long");
    Alert b = TestAlerts.firing("run-short");
    kafka.send(a, b, TestAlerts.resolved(b));

    bridge = start(Map.of("alertmanager.resend_interval", "200ms"));
    await(
        WAIT,
        "b resolved and a re-sent twice",
        () -> bridge.stats().delivered() == 3 && bridge.stats().resent() >= 2);
    int seen = api.accepted().size();
    await(WAIT, "one more re-send", () -> api.accepted().size() > seen);

    JsonNode resend = api.accepted().get(api.accepted().size() - 1).json();
    assertThat(resend).hasSize(1);
    assertThat(resend.get(0).at("/labels/alert_id").asText())
        .as("only the firing alert")
        .isEqualTo(a.alertId());
    Instant firstLease = Instant.parse(api.accepted().get(0).json().get(0).get("endsAt").asText());
    assertThat(Instant.parse(resend.get(0).get("endsAt").asText()))
        .as("each re-send renews the lease")
        .isAfter(firstLease);
    assertThat(alertmanager.firingAt(a.alertId(), Instant.now())).isTrue();
    assertThat(alertmanager.firingAt(b.alertId(), Instant.now())).isFalse();
  }

  @Test
  void shouldRetryAnUnavailableAlertmanager() {
    Alert a = TestAlerts.firing("run-am-down");
    api.injectNext(
        FakeHttpApi.Reply.of(503, "service unavailable"), FakeHttpApi.Reply.of(500, "internal"));
    kafka.send(a);

    bridge = start(Map.of());
    await(WAIT, "accepted after two failures", () -> api.accepted().size() == 1);

    assertThat(api.exchanges()).extracting(e -> e.reply().status()).containsExactly(503, 500, 200);
    assertThat(alertmanager.firingAt(a.alertId(), Instant.now())).isTrue();
  }

  @Test
  void shouldRideOutA500ATimeoutAndA429AndDeadLetterA400() {
    Alert a = TestAlerts.firing("run-a");
    Alert b = TestAlerts.firing("run-b");
    api.inject(
        r -> r.text().contains("run-a"),
        FakeHttpApi.Reply.of(500, "internal"),
        FakeHttpApi.Reply.noAnswerWithin(Duration.ofMillis(2500)),
        FakeHttpApi.Reply.tooManyRequests(null, ""));
    api.inject(
        r -> r.text().contains("run-b"), FakeHttpApi.Reply.json(400, "\"invalid label set\""));
    kafka.send(a, b);

    bridge = start(Map.of("http.timeout", "1s"));
    await(
        WAIT,
        "a delivered, b dead-lettered",
        () -> bridge.stats().delivered() == 1 && bridge.stats().deadLettered() == 1);

    assertThat(alertmanager.firingAt(a.alertId(), Instant.now())).isTrue();
    assertThat(alertmanager.latest(b.alertId())).isNull();
    assertThat(KafkaFixture.header(kafka.read(kafka.dlqTopic, 1).get(0), AlertBridge.REASON_HEADER))
        .isEqualTo("Alertmanager answered HTTP 400: \"invalid label set\"");
    assertThat(bridge.stats().retried()).isEqualTo(2);
    assertThat(bridge.stats().rateLimited()).isEqualTo(1);
  }

  private AlertBridge start(Map<String, String> extra) {
    Map<String, String> c = kafka.baseConfig();
    c.put("alertmanager.url", api.url(""));
    c.putAll(extra);
    return AlertBridge.create(
            BridgeConfig.parse(c, Map.of(), Destination.ALERTMANAGER), kafka.kafkaProps())
        .start();
  }
}
