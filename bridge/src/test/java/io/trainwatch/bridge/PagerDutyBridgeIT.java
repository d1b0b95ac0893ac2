package io.trainwatch.bridge;

import static io.trainwatch.bridge.KafkaFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The PagerDuty bridge end to end: real broker, real HTTP server on loopback playing the Events API
 * v2.
 */
class PagerDutyBridgeIT {

  static final String ROUTING_KEY = "R0123456789abcdef0123456789abcd";
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final KafkaFixture kafka = new KafkaFixture(1);
  private final FakeApis.PagerDuty pagerDuty = new FakeApis.PagerDuty(ROUTING_KEY);
  private final FakeHttpApi api = FakeHttpApi.start(pagerDuty::handle);
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
  void shouldTriggerAndResolveOneIncidentPerAlertWithTheDocumentedFields() {
    Alert trigger = TestAlerts.firing("cifar-resnet-42");
    Alert aborted = TestAlerts.firing("never-committed");
    kafka.sendAborted(aborted);
    kafka.send(trigger, TestAlerts.resolved(trigger));

    bridge = start(Map.of("links.run_url", "https://mlflow.example.com/#/runs/{run_id}"));
    await(WAIT, "trigger and resolve accepted", () -> api.accepted().size() == 2);

    List<JsonNode> events = api.accepted().stream().map(FakeHttpApi.Request::json).toList();
    JsonNode t = events.get(0);
    assertThat(t.get("routing_key").asText()).isEqualTo(ROUTING_KEY);
    assertThat(t.get("event_action").asText()).isEqualTo("trigger");
    assertThat(t.get("dedup_key").asText()).isEqualTo("cifar-resnet-42/negative_loss");
    assertThat(t.at("/payload/summary").asText()).isEqualTo(trigger.summary());
    assertThat(t.at("/payload/source").asText()).isEqualTo("cifar-resnet-42");
    assertThat(t.at("/payload/severity").asText()).isEqualTo("critical");
    assertThat(t.at("/payload/timestamp").asText()).isEqualTo("2026-11-26T10:01:00Z");
    assertThat(t.at("/payload/class").asText()).isEqualTo("negative_loss");
    assertThat(t.at("/payload/group").asText()).isEqualTo("cifar-resnet");
    assertThat(t.at("/payload/custom_details/hint").asText()).isEqualTo(TestAlerts.HINT);
    assertThat(t.at("/payload/custom_details/evidence/loss").asDouble()).isEqualTo(-0.1031);
    assertThat(t.at("/client_url").asText())
        .isEqualTo("https://mlflow.example.com/#/runs/cifar-resnet-42");
    assertThat(events.get(1).toString())
        .isEqualTo(
            "{\"routing_key\":\""
                + ROUTING_KEY
                + "\",\"event_action\":\"resolve\",\"dedup_key\":\"cifar-resnet-42/negative_loss\"}");
    assertThat(api.requests().get(0).header("Content-Type")).startsWith("application/json");
    assertThat(pagerDuty.incidentsOpened()).containsExactly("cifar-resnet-42/negative_loss");
    assertThat(pagerDuty.isOpen("cifar-resnet-42/negative_loss")).isFalse();
    assertThat(api.requests()).noneMatch(r -> r.text().contains("never-committed"));
    await(WAIT, "both recorded", () -> bridge.stats().delivered() == 2);
  }

  @Test
  void shouldRetryServerErrorsAndTimeoutsWithBackoffThenDeliver() {
    Alert a = TestAlerts.firing("run-retry");
    api.injectNext(
        FakeHttpApi.Reply.json(500, "{}"),
        FakeHttpApi.Reply.noAnswerWithin(Duration.ofMillis(2500)),
        FakeHttpApi.Reply.json(503, "{}"));
    kafka.send(a);

    bridge = start(Map.of("http.timeout", "1s"));
    await(WAIT, "the trigger accepted after three failures", () -> api.accepted().size() == 1);

    List<FakeHttpApi.Exchange> ex = api.exchanges();
    assertThat(ex).extracting(e -> e.reply().status()).containsExactly(500, 504, 503, 202);
    assertThat(ex).allMatch(e -> e.request().json().get("dedup_key").asText().equals(a.alertId()));
    for (int i = 1; i < ex.size(); i++) {
      assertThat(Duration.between(ex.get(i - 1).request().at(), ex.get(i).request().at()))
          .as("a backoff separates attempt %d from the one before", i)
          .isPositive();
    }
    assertThat(pagerDuty.incidentsOpened()).hasSize(1);
    await(WAIT, "stats", () -> bridge.stats().delivered() == 1);
    assertThat(bridge.stats().retried()).isEqualTo(3);
    assertThat(bridge.stats().requests()).isEqualTo(4);
    assertThat(bridge.stats().deadLettered()).isZero();
  }

  @Test
  void shouldBackOffOnA429WithoutRetryAfterAndNotCountItAsAFailure() {
    Alert a = TestAlerts.firing("run-429");
    api.injectNext(
        FakeHttpApi.Reply.tooManyRequests(null, "{\"status\":\"throttled\"}"),
        FakeHttpApi.Reply.tooManyRequests(null, "{\"status\":\"throttled\"}"));
    kafka.send(a);

    bridge = start(Map.of("retry.max_attempts", "1"));
    await(WAIT, "the trigger accepted after two 429s", () -> api.accepted().size() == 1);

    List<FakeHttpApi.Exchange> ex = api.exchanges();
    assertThat(ex).extracting(e -> e.reply().status()).containsExactly(429, 429, 202);
    assertThat(Duration.between(ex.get(0).request().at(), ex.get(1).request().at()))
        .as("retry.rate_limit_backoff")
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(Duration.between(ex.get(1).request().at(), ex.get(2).request().at()))
        .as("doubled after a second 429")
        .isGreaterThanOrEqualTo(Duration.ofMillis(600));
    assertThat(bridge.stats().rateLimited()).isEqualTo(2);
    assertThat(bridge.stats().parked()).as("a 429 is not an attempt").isZero();
  }

  @Test
  void shouldDeadLetterARejectedEventWithTheReasonAndDeliverTheNextOne() {
    Alert bad = TestAlerts.firing("run-bad");
    Alert good = TestAlerts.firing("run-good");
    api.inject(
        r -> r.text().contains("run-bad"),
        FakeHttpApi.Reply.json(
            400,
            "{\"status\":\"invalid event\","
                + "\"message\":\"Event object is invalid\",\"errors\":[\"'payload.custom_details' is too deep\"]}"));
    kafka.send(bad, good);

    bridge = start(Map.of());
    await(WAIT, "the good alert accepted", () -> api.accepted().size() == 1);

    assertThat(api.accepted().get(0).json().get("dedup_key").asText()).isEqualTo(good.alertId());
    ConsumerRecord<byte[], byte[]> dead = kafka.read(kafka.dlqTopic, 1).get(0);
    assertThat(AlertCodec.decode(dead.value())).isEqualTo(bad);
    assertThat(new String(dead.key())).isEqualTo(bad.alertId());
    assertThat(KafkaFixture.header(dead, AlertBridge.REASON_HEADER))
        .isEqualTo(
            "PagerDuty rejected the event (HTTP 400): Event object is invalid; 'payload.custom_details' is too deep");
    assertThat(KafkaFixture.header(dead, "trainwatch.bridge.destination")).isEqualTo("pagerduty");
    assertThat(KafkaFixture.header(dead, "trainwatch.bridge.name")).isEqualTo(kafka.bridgeName);
    assertThat(KafkaFixture.header(dead, "trainwatch.bridge.source"))
        .isEqualTo(kafka.alertsTopic + "-0@0");
    await(WAIT, "stats", () -> bridge.stats().delivered() == 1);
    assertThat(bridge.stats().deadLettered()).isEqualTo(1);
  }

  @Test
  void shouldParkAFailingAlertWhileOthersGoOutAndKeepItsOffsetUncommitted() {
    Alert stuck = TestAlerts.firing("run-stuck");
    Alert other1 = TestAlerts.firing("run-other-1");
    Alert other2 = TestAlerts.firing("run-other-2");
    api.failWhile(r -> r.text().contains("run-stuck"), FakeHttpApi.Reply.json(502, "{}"));
    kafka.send(stuck, other1, TestAlerts.resolved(other1), other2);

    bridge = start(Map.of());
    await(WAIT, "the stuck alert parked", () -> bridge.stats().parked() >= 1);

    List<String> sent =
        api.accepted().stream()
            .map(
                r ->
                    r.json().get("dedup_key").asText()
                        + " "
                        + r.json().get("event_action").asText())
            .toList();
    assertThat(sent)
        .containsExactlyInAnyOrder(
            other1.alertId() + " trigger",
            other1.alertId() + " resolve",
            other2.alertId() + " trigger");
    assertThat(sent.indexOf(other1.alertId() + " trigger"))
        .as("per-alert order")
        .isLessThan(sent.indexOf(other1.alertId() + " resolve"));
    await(WAIT, "a commit", () -> kafka.committedOffset() >= 0);
    assertThat(kafka.committedOffset()).as("nothing past the parked alert is committed").isZero();

    api.heal();
    await(WAIT, "the parked alert delivered on its next round", () -> api.accepted().size() == 4);
    await(WAIT, "everything committed", () -> kafka.committedOffset() == 4);
    assertThat(pagerDuty.incidentsOpened())
        .containsExactly(other1.alertId(), other2.alertId(), stuck.alertId());
  }

  @Test
  void shouldSendOnlyTheResolveWhenTheTriggerFailedUntilTheResolveArrived() {
    Alert trigger = TestAlerts.firing("run-flaky");
    api.failWhile(r -> true, FakeHttpApi.Reply.json(500, "{}"));
    kafka.send(trigger);

    bridge = start(Map.of());
    await(WAIT, "the trigger failing", () -> bridge.stats().retried() >= 1);
    kafka.send(TestAlerts.resolved(trigger));
    await(WAIT, "the resolve consumed", () -> bridge.stats().received() == 2);
    api.heal();
    await(WAIT, "the resolve accepted", () -> api.accepted().size() == 1);

    assertThat(api.accepted().get(0).json().get("event_action").asText()).isEqualTo("resolve");
    assertThat(pagerDuty.incidentsOpened())
        .as("nobody is paged for an incident that is already over")
        .isEmpty();
    await(WAIT, "stats", () -> bridge.stats().superseded() == 1);
  }

  @Test
  void shouldSkipEveryRedeliveredEmissionAfterTheGroupsOffsetsAreReset() throws Exception {
    Alert a = TestAlerts.firing("run-replay");
    Alert b = TestAlerts.firing("run-replay-2");
    kafka.send(a, TestAlerts.resolved(a), b);
    bridge = start(Map.of());
    await(WAIT, "three events accepted", () -> api.accepted().size() == 3);
    await(WAIT, "all committed", () -> kafka.committedOffset() == 3);
    bridge.close();

    kafka.resetOffsetsToEarliest();
    bridge = start(Map.of());
    await(WAIT, "all three redelivered", () -> bridge.stats().received() == 3);
    await(WAIT, "all three skipped", () -> bridge.stats().duplicates() == 3);

    assertThat(api.requests()).hasSize(3);
    assertThat(pagerDuty.triggersAfterResolve()).isEmpty();
    assertThat(bridge.stats().requests()).isZero();
  }

  private AlertBridge start(Map<String, String> extra) {
    Map<String, String> c = kafka.baseConfig();
    c.put("pagerduty.routing_key", ROUTING_KEY);
    c.put("pagerduty.url", api.url("/v2/enqueue"));
    c.putAll(extra);
    BridgeConfig config = BridgeConfig.parse(c, Map.of(), Destination.PAGERDUTY);
    return AlertBridge.create(config, kafka.kafkaProps()).start();
  }
}
