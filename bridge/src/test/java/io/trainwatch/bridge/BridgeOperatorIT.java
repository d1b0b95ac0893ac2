package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trainwatch.schemas.Alert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees of a bridge on the real broker: readiness that follows the consumer's
 * assignment through a revocation and a reassignment, the lag and pending gauges, and Kafka's own
 * client metrics bound in.
 */
class BridgeOperatorIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  private final KafkaFixture kafka = new KafkaFixture(1);
  private final FakeHttpApi receiver = FakeHttpApi.start(FakeApis::webhook);
  private final List<AlertBridge> bridges = new ArrayList<>();

  @AfterEach
  void tearDown() {
    bridges.forEach(AlertBridge::close);
    receiver.close();
    kafka.close();
  }

  @Test
  void shouldReportLagAndPendingAlertsAndBindTheKafkaClientMetrics() {
    receiver.failWhile(r -> true, FakeHttpApi.Reply.of(503, "down for maintenance"));
    BridgeConfig config = config();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // One record per poll and one alert in memory: the bridge stops reading behind the first one.
    AlertBridge bridge = bridge(config, registry, Map.of("max.poll.records", 1));
    await().atMost(WAIT).until(() -> BridgeCommand.notReady(bridge, config) == null);

    List<Alert> alerts =
        IntStream.range(0, 5).mapToObj(i -> TestAlerts.firing("lagging-run-" + i)).toList();
    kafka.send(alerts.toArray(Alert[]::new));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(bridge.pending()).isEqualTo(1);
              assertThat(bridge.consumerLag()).isPositive();
            });
    String labels = "bridge=\"" + kafka.bridgeName + "\",destination=\"webhook\"";
    String scrape = registry.scrape();
    assertThat(value(scrape, "trainwatch_bridge_consumer_lag_records{" + labels + "}"))
        .isPositive();
    assertThat(value(scrape, "trainwatch_bridge_alerts_pending{" + labels + "}")).isEqualTo(1);
    assertThat(value(scrape, "trainwatch_bridge_assigned_partitions{" + labels + "}")).isEqualTo(1);
    assertThat(scrape)
        .as("Kafka's own consumer metrics, under the bridge's client id")
        .containsPattern(
            "kafka_consumer_fetch_manager_records_lag_max\\{[^}]*client_id=\"trainwatch-bridge-"
                + kafka.bridgeName
                + "\"")
        .containsPattern(
            "kafka_producer_record_send_total\\{[^}]*client_id=\"trainwatch-bridge-"
                + kafka.bridgeName
                + "\"");

    receiver.heal();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(receiver.accepted()).hasSize(5);
              assertThat(bridge.pending()).isZero();
              assertThat(bridge.consumerLag()).isZero();
            });
    assertThat(value(registry.scrape(), "trainwatch_bridge_consumer_lag_records{" + labels + "}"))
        .isZero();
  }

  @Test
  void shouldBeReadyOnlyWhileItsConsumerOwnsAPartition() {
    BridgeConfig config = config();
    // Static members: the range assignor gives the topic's one partition to the member whose
    // group.instance.id sorts first, so the second bridge takes it from the first.
    AlertBridge first = bridge(config, null, member("member-b"));
    await().atMost(WAIT).until(() -> BridgeCommand.notReady(first, config) == null);
    assertThat(first.assignment()).containsExactly(new TopicPartition(kafka.alertsTopic, 0));

    AlertBridge second = bridge(config, null, member("member-a"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                second.awaitAssignment(Duration.ZERO)
                    && (BridgeCommand.notReady(first, config) == null)
                        != (BridgeCommand.notReady(second, config) == null));
    AlertBridge owner = second.assignment().isEmpty() ? first : second;
    AlertBridge other = owner == first ? second : first;
    assertThat(owner.assignment()).hasSize(1);
    assertThat(other.assignment()).isEmpty();
    assertThat(BridgeCommand.notReady(other, config)).contains("owns no partition now");
    assertThat(owner)
        .as("the partition went to the member that sorts first: the first bridge was revoked")
        .isSameAs(second);

    // The owner stops: after its session times out, the partition is reassigned to the other.
    owner.close();
    await().atMost(WAIT).until(() -> BridgeCommand.notReady(other, config) == null);
    assertThat(other.assignment()).containsExactly(new TopicPartition(kafka.alertsTopic, 0));
    assertThat(BridgeCommand.notReady(owner, config)).isNotNull();

    // It still delivers: readiness is not only a flag.
    Alert a = TestAlerts.firing("after-reassignment");
    kafka.send(a);
    await().atMost(WAIT).until(() -> receiver.accepted().size() == 1);
  }

  private static Map<String, Object> member(String instanceId) {
    return Map.of("group.instance.id", instanceId, "session.timeout.ms", 6000);
  }

  private BridgeConfig config() {
    Map<String, String> c = kafka.baseConfig();
    c.put("webhook.url", receiver.url("/hooks/trainwatch"));
    c.put("bridge.max_pending", "1");
    return BridgeConfig.parse(c, Map.of(), Destination.WEBHOOK);
  }

  private AlertBridge bridge(
      BridgeConfig config, PrometheusMeterRegistry registry, Map<String, Object> client) {
    Map<String, Object> props = new HashMap<>(kafka.kafkaProps());
    props.putAll(client);
    AlertBridge bridge = AlertBridge.create(config, props);
    if (registry != null) {
      BridgeMetrics.bind(registry, config.name(), config.destination(), bridge);
    }
    bridges.add(bridge);
    return bridge.start();
  }

  /** The value of one series in a Prometheus scrape. */
  private static double value(String scrape, String series) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(series + " not in the scrape:\n" + scrape));
  }
}
