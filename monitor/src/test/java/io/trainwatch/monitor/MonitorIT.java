package io.trainwatch.monitor;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.streams.DeadLetters;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor against the real (embedded, KRaft) Kafka broker: exactly-once, restarts, dead
 * letters.
 */
class MonitorIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static EmbeddedKafkaBroker broker;

  @TempDir Path stateDir;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldAlertResolveSurviveARestartAndDeadLetterGarbageOnARealBroker() {
    MonitorOptions options =
        MonitorOptions.of(broker.bootstrapServers())
            .withApplicationId("monitor-it-" + UUID.randomUUID())
            .withStateDir(stateDir);
    try (KafkaProducer<String, byte[]> producer = producer();
        KafkaConsumer<String, byte[]> alerts = consumer(Topics.ALERTS);
        KafkaConsumer<String, byte[]> deadLetters = consumer(Topics.EVENTS_DLQ)) {
      List<Alert> seen = new ArrayList<>();
      try (Monitor monitor = Monitor.start(options)) {
        send(producer, Events.pytorchNll("nll-run"));
        send(producer, Events.dl4jMcxent("healthy-run"));
        producer.send(
            new ProducerRecord<>(
                Topics.EVENTS, "nll-run", "{oops".getBytes(StandardCharsets.UTF_8)));
        for (int step = 0; step < 10; step++) {
          send(producer, batch("nll-run", step).loss(-0.1 - step / 100.0).build());
          send(producer, batch("healthy-run", step).loss(2.3 - step / 10.0).build());
        }
        producer.flush();

        seen.addAll(readAlerts(alerts, list -> !list.isEmpty()));
        assertThat(seen)
            .singleElement()
            .satisfies(
                a -> {
                  assertThat(a.alertId()).isEqualTo("nll-run/negative_loss");
                  assertThat(a.status()).isEqualTo(AlertStatus.FIRING);
                  assertThat(a.diagnosis()).isEqualTo("softmax_into_nll");
                  assertThat(a.hint()).contains("use LogSoftmax, or CrossEntropyLoss on logits");
                  assertThat(a.revision()).isEqualTo(1);
                });
        ConsumerRecord<String, byte[]> dead = readOne(deadLetters);
        assertThat(dead.value()).isEqualTo("{oops".getBytes(StandardCharsets.UTF_8));
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON))
            .startsWith("value: not valid JSON");
      }

      // A new instance with the same application id and state picks up where the first left off.
      try (Monitor monitor = Monitor.start(options)) {
        for (int step = 10; step < 15; step++) {
          send(producer, batch("nll-run", step).loss(-0.2).build());
        }
        send(producer, Events.ended("nll-run", 15));
        send(producer, Events.ended("healthy-run", 10));
        producer.flush();

        List<Alert> more = readAlerts(alerts, list -> !list.isEmpty());
        assertThat(more)
            .singleElement()
            .satisfies(
                a -> {
                  assertThat(a.alertId()).isEqualTo("nll-run/negative_loss");
                  assertThat(a.status()).isEqualTo(AlertStatus.RESOLVED);
                  assertThat(a.revision()).isEqualTo(2);
                  assertThat(a.eventId()).isEqualTo("nll-run/negative_loss#2");
                });
      }
      assertThat(readLateAlerts(alerts, Duration.ofSeconds(1))).isEmpty();
    }
  }

  private static void send(KafkaProducer<String, byte[]> producer, TrainingEvent e) {
    producer.send(
        new ProducerRecord<>(Topics.EVENTS, null, e.tsMs(), e.runId(), EventCodec.encode(e)));
  }

  private static List<Alert> readAlerts(
      KafkaConsumer<String, byte[]> consumer, Predicate<List<Alert>> done) {
    return readAlerts(consumer, done, TIMEOUT);
  }

  private static List<Alert> readAlerts(
      KafkaConsumer<String, byte[]> consumer, Predicate<List<Alert>> done, Duration timeout) {
    List<Alert> out = new ArrayList<>();
    await()
        .atMost(timeout)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> done.test(poll(consumer, out)));
    return out;
  }

  /** The alerts that arrive within {@code quiet}, which should be none. */
  private static List<Alert> readLateAlerts(
      KafkaConsumer<String, byte[]> consumer, Duration quiet) {
    List<Alert> out = new ArrayList<>();
    await()
        .during(quiet)
        .atMost(quiet.plusSeconds(10))
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> poll(consumer, out).isEmpty());
    return out;
  }

  private static List<Alert> poll(KafkaConsumer<String, byte[]> consumer, List<Alert> out) {
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      Alert a = AlertCodec.decode(r.value());
      assertThat(r.key()).isEqualTo(a.alertId());
      out.add(a);
    }
    return out;
  }

  private static ConsumerRecord<String, byte[]> readOne(KafkaConsumer<String, byte[]> consumer) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    await()
        .atMost(TIMEOUT)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              consumer.poll(Duration.ofMillis(200)).forEach(out::add);
              return !out.isEmpty();
            });
    return out.get(0);
  }

  private static KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private static KafkaConsumer<String, byte[]> consumer(String topic) {
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                // Only what the monitor committed: an aborted transaction's alerts must never be
                // seen.
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    c.subscribe(List.of(topic));
    return c;
  }
}
