package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The health check against a real broker: a group being consumed is healthy, a missing one is not.
 */
class GroupHealthCheckIT {

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
    broker.createTopics("health-check-topic");
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static int check(String group, StringBuilder output) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        GroupHealthCheck.check(
            new String[] {group},
            Map.of("TRAINWATCH_BOOTSTRAP_SERVER", broker.bootstrapServers()),
            new PrintStream(out, true, StandardCharsets.UTF_8));
    output.append(out.toString(StandardCharsets.UTF_8).trim());
    return status;
  }

  @Test
  void shouldBeHealthyWhileTheGroupConsumesAndUnhealthyWithoutIt() {
    StringBuilder missing = new StringBuilder();
    assertThat(check("trainwatch-monitor", missing)).isEqualTo(1);
    assertThat(missing).hasToString("unhealthy: group trainwatch-monitor does not exist (yet)");

    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "trainwatch-monitor");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("health-check-topic"));
      await("a partition assigned to the group")
          .atMost(Duration.ofSeconds(30))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(100));
                return !consumer.assignment().isEmpty();
              });
      StringBuilder consuming = new StringBuilder();
      assertThat(check("trainwatch-monitor", consuming)).isZero();
      assertThat(consuming).hasToString("healthy: group trainwatch-monitor is Stable");
    }
  }
}
