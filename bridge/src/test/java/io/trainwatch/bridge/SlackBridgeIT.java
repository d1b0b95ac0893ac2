package io.trainwatch.bridge;

import static io.trainwatch.bridge.KafkaFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.Severity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Slack bridge end to end: real broker, real HTTP server on loopback playing an incoming
 * webhook.
 */
class SlackBridgeIT {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String WEBHOOK_PATH = "/services/T0001/B0001/abcdefghijklmnopqrstuvwx";

  private final KafkaFixture kafka = new KafkaFixture(1);
  private final FakeHttpApi slack = FakeHttpApi.start(FakeApis::slack);
  private AlertBridge bridge;

  @AfterEach
  void tearDown() {
    if (bridge != null) {
      bridge.close();
    }
    slack.close();
    kafka.close();
  }

  @Test
  void shouldPostOneBlockKitMessagePerFiringAndResolvedAlert() {
    Alert a = TestAlerts.firing("cifar-resnet-42");
    kafka.send(a, TestAlerts.resolved(a));

    bridge = start(Map.of("links.runbook_url", "https://wiki.example.com/trainwatch/{rule}"));
    await(WAIT, "two messages accepted", () -> slack.accepted().size() == 2);

    JsonNode firing = slack.accepted().get(0).json();
    JsonNode resolved = slack.accepted().get(1).json();
    assertThat(slack.requests()).hasSize(2).allMatch(r -> r.path().equals(WEBHOOK_PATH));
    assertThat(firing.get("text").asText())
        .startsWith("[CRITICAL] negative_loss firing on run cifar-resnet-42");
    assertThat(firing.at("/blocks/0/type").asText()).isEqualTo("header");
    assertThat(firing.at("/blocks/0/text/text").asText())
        .isEqualTo("🔴 CRITICAL · negative_loss · cifar-resnet-42");
    assertThat(firing.at("/blocks/1/text/text").asText()).isEqualTo("*" + a.summary() + "*");
    assertThat(firing.at("/blocks/2/fields/0/text").asText()).isEqualTo("*Run*\ncifar-resnet-42");
    assertThat(firing.at("/blocks/2/fields/1/text").asText()).isEqualTo("*Job*\ncifar-resnet");
    assertThat(firing.at("/blocks/3/fields/0/text").asText()).isEqualTo("*loss*\n-0.1031");
    assertThat(firing.at("/blocks/4/text/text").asText())
        .isEqualTo("*What to do*\n" + TestAlerts.HINT);
    assertThat(firing.at("/blocks/5/elements/1/text").asText())
        .isEqualTo("<https://wiki.example.com/trainwatch/negative_loss|Runbook>");
    assertThat(resolved.at("/blocks/0/text/text").asText())
        .isEqualTo("✅ RESOLVED · negative_loss · cifar-resnet-42");
    assertThat(resolved.get("text").asText()).contains("after 3m 12s");
  }

  @Test
  void shouldWaitAsLongAsRetryAfterSaysOnA429() {
    Alert a = TestAlerts.firing("run-busy");
    slack.injectNext(FakeHttpApi.Reply.tooManyRequests("1", "rate_limited"));
    kafka.send(a);

    bridge = start(Map.of());
    await(WAIT, "the message accepted after the 429", () -> slack.accepted().size() == 1);

    List<FakeHttpApi.Exchange> ex = slack.exchanges();
    assertThat(ex).extracting(e -> e.reply().status()).containsExactly(429, 200);
    assertThat(Duration.between(ex.get(0).request().at(), ex.get(1).request().at()))
        .as("Retry-After: 1")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(ex.get(1).request().text()).isEqualTo(ex.get(0).request().text());
    await(WAIT, "stats", () -> bridge.stats().delivered() == 1);
    assertThat(bridge.stats().rateLimited()).isEqualTo(1);
    assertThat(bridge.stats().retried()).isZero();
  }

  @Test
  void shouldGroupABurstForOneJobIntoOneMessage() {
    Alert a = TestAlerts.firing("run-1", "nan_loss", Severity.CRITICAL, "cifar");
    Alert b = TestAlerts.firing("run-2", "nan_loss", Severity.ERROR, "cifar");
    Alert c = TestAlerts.firing("run-3", "divergence", Severity.WARNING, "cifar");
    Alert other = TestAlerts.firing("run-9", "nan_loss", Severity.ERROR, "imagenet");
    kafka.send(a, b, other, c);

    bridge = start(Map.of("slack.group_window", "400ms"));
    await(WAIT, "two messages accepted", () -> slack.accepted().size() == 2);

    JsonNode grouped =
        slack.accepted().stream()
            .map(FakeHttpApi.Request::json)
            .filter(m -> m.get("text").asText().startsWith("3 alerts"))
            .findFirst()
            .orElseThrow();
    assertThat(grouped.at("/blocks/0/text/text").asText()).isEqualTo("🔴 3 alerts · job cifar");
    assertThat(grouped.get("text").asText())
        .isEqualTo(
            "3 alerts for job cifar: [CRITICAL] nan_loss on run run-1;"
                + " [ERROR] nan_loss on run run-2; [WARNING] divergence on run run-3");
    assertThat(slack.accepted())
        .anyMatch(
            r ->
                r.json()
                    .get("text")
                    .asText()
                    .startsWith("[ERROR] nan_loss firing on" + " run run-9 (job imagenet)"));
    await(WAIT, "stats", () -> bridge.stats().delivered() == 4);
    assertThat(bridge.stats().requests()).isEqualTo(2);
  }

  @Test
  void shouldDeadLetterARejectedMessageWithoutLeakingTheWebhookAndContinue() {
    Alert rejected = TestAlerts.firing("run-archived");
    Alert next = TestAlerts.firing("run-next");
    slack.inject(
        r -> r.text().contains("run-archived"), FakeHttpApi.Reply.of(410, "channel_is_archived"));
    kafka.send(rejected, next);

    bridge = start(Map.of());
    await(WAIT, "the next alert accepted", () -> slack.accepted().size() == 1);

    ConsumerRecord<byte[], byte[]> dead = kafka.read(kafka.dlqTopic, 1).get(0);
    assertThat(AlertCodec.decode(dead.value()).alertId()).isEqualTo(rejected.alertId());
    String reason = KafkaFixture.header(dead, AlertBridge.REASON_HEADER);
    assertThat(reason).isEqualTo("Slack answered HTTP 410: channel_is_archived");
    for (var h : dead.headers()) {
      assertThat(new String(h.value())).doesNotContain("abcdefghijklmnopqrstuvwx");
    }
  }

  @Test
  void shouldSendGroupMembersOneByOneWhenSlackRejectsTheGroup() {
    Alert a = TestAlerts.firing("run-a", "nan_loss", Severity.ERROR, "cifar");
    Alert b = TestAlerts.firing("run-b", "nan_loss", Severity.ERROR, "cifar");
    slack.inject(r -> r.text().contains("2 alerts"), FakeHttpApi.Reply.of(400, "invalid_blocks"));
    slack.inject(
        r -> r.text().contains("run-b") && !r.text().contains("run-a"),
        FakeHttpApi.Reply.of(400, "invalid_blocks"));
    kafka.send(a, b);

    bridge = start(Map.of("slack.group_window", "200ms"));
    await(
        WAIT,
        "a alone accepted, b dead-lettered",
        () -> bridge.stats().deadLettered() == 1 && bridge.stats().delivered() == 1);

    assertThat(slack.accepted()).hasSize(1);
    assertThat(slack.accepted().get(0).json().get("text").asText())
        .startsWith("[ERROR] nan_loss firing on run run-a");
    assertThat(AlertCodec.decode(kafka.read(kafka.dlqTopic, 1).get(0).value()).runId())
        .isEqualTo("run-b");
  }

  @Test
  void shouldRideOutA500ATimeoutAndA429AndDeadLetterA400() {
    Alert a = TestAlerts.firing("run-a");
    Alert b = TestAlerts.firing("run-b");
    slack.inject(
        r -> r.text().contains("run-a"),
        FakeHttpApi.Reply.of(500, "rollup_error"),
        FakeHttpApi.Reply.noAnswerWithin(Duration.ofMillis(2500)),
        FakeHttpApi.Reply.tooManyRequests("1", "rate_limited"));
    slack.inject(r -> r.text().contains("run-b"), FakeHttpApi.Reply.of(400, "invalid_payload"));
    kafka.send(a, b);

    bridge = start(Map.of("http.timeout", "1s"));
    await(
        WAIT,
        "a delivered, b dead-lettered",
        () -> bridge.stats().delivered() == 1 && bridge.stats().deadLettered() == 1);

    assertThat(slack.accepted())
        .singleElement()
        .satisfies(r -> assertThat(r.text()).contains("run-a"));
    assertThat(KafkaFixture.header(kafka.read(kafka.dlqTopic, 1).get(0), AlertBridge.REASON_HEADER))
        .isEqualTo("Slack answered HTTP 400: invalid_payload");
    assertThat(bridge.stats().retried()).isEqualTo(2);
    assertThat(bridge.stats().rateLimited()).isEqualTo(1);
  }

  private AlertBridge start(Map<String, String> extra) {
    Map<String, String> c = kafka.baseConfig();
    c.putAll(extra);
    BridgeConfig config =
        BridgeConfig.parse(
            c, Map.of("TRAINWATCH_SLACK_WEBHOOK_URL", slack.url(WEBHOOK_PATH)), Destination.SLACK);
    return AlertBridge.create(config, kafka.kafkaProps()).start();
  }
}
