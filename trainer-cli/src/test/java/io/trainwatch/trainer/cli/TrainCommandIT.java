package io.trainwatch.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code trainwatch train}: a real DL4J training run publishing to a real Kafka broker. */
class TrainCommandIT {

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
    broker.createTopics(Topics.EVENTS);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldRunTheTrainCommandAgainstABroker() {
    StringWriter out = new StringWriter();
    CommandLine cmd = new CommandLine(new TrainCommand()).setOut(new PrintWriter(out));

    int exit =
        cmd.execute(
            "--bootstrap-server",
            broker.bootstrapServers(),
            "--fault",
            "unnormalized-input",
            "--steps",
            "12",
            "--run-id",
            "cmd-run",
            "--label",
            "team=vision");

    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("run cmd-run (unnormalized-input): completed after 12 steps")
        .contains("14 published, 14 delivered, 0 dropped, 0 failed");
    List<TrainingEvent> events =
        consumeRun("cmd-run", 14).stream().map(r -> EventCodec.decode(r.value())).toList();
    assertThat(((RunStarted) events.get(0)).labels()).isEqualTo(Map.of("team", "vision"));
    assertThat(((BatchEvent) events.get(1)).input().max()).isGreaterThan(200);
  }

  /** This run's records from the beginning of the events topic: {@code expected} of them. */
  private static List<ConsumerRecord<String, byte[]>> consumeRun(String runId, int expected) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(Topics.EVENTS));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(10))
          .until(
              () -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  if (runId.equals(r.key())) {
                    records.add(r);
                  }
                }
                return records.size() >= expected;
              });
    }
    assertThat(records).hasSize(expected);
    return records;
  }
}
