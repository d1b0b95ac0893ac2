package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real training runs publishing to a real Kafka broker (or to none at all). */
class KafkaPublishingIT {

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
  void shouldPublishARealTrainingRunToTheEventsTopicInStepOrder() {
    int steps = 25;
    TrainingReport report;
    try (KafkaEventPublisher publisher = KafkaEventPublisher.connect(broker.bootstrapServers())) {
      assertThat(publisher.awaitReady(Duration.ofSeconds(30))).isTrue();
      report =
          TrainingRun.run(
              TrainingSpec.of("kafka-run", Fault.SOFTMAX_INTO_NLL).withSteps(steps), publisher);
    }
    System.out.println("[figures] " + report.summary());

    List<ConsumerRecord<String, byte[]>> records = consumeRun("kafka-run", steps + 2);

    assertThat(records).allSatisfy(r -> assertThat(r.key()).isEqualTo("kafka-run"));
    List<TrainingEvent> events = records.stream().map(r -> EventCodec.decode(r.value())).toList();
    assertThat(events.get(0)).isInstanceOf(RunStarted.class);
    assertThat(events.subList(1, steps + 1))
        .allSatisfy(e -> assertThat(e).isInstanceOf(BatchEvent.class));
    assertThat(events.subList(1, steps + 1))
        .extracting(e -> ((BatchEvent) e).step())
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, steps).boxed().toList());
    assertThat(events.get(steps + 1))
        .isInstanceOfSatisfying(
            RunEnded.class, e -> assertThat(e.status()).isEqualTo(RunStatus.COMPLETED));
    assertThat(records)
        .allSatisfy(r -> assertThat(r.timestamp()).isEqualTo(EventCodec.decode(r.value()).tsMs()));
    assertThat(report.publisher()).isEqualTo(new PublisherStats(steps + 2, steps + 2, 0, 0));
  }

  @Test
  void shouldTrainAtNormalSpeedAndCountLostEventsWhenNoBrokerIsReachable() {
    int steps = 150;
    String nowhere = "localhost:" + EmbeddedKafkaBroker.freePort();
    KafkaPublisherSettings settings =
        KafkaPublisherSettings.defaults(nowhere)
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1));
    TrainingReport baseline =
        TrainingRun.run(
            TrainingSpec.of("in-memory", Fault.NONE).withSteps(steps),
            new InMemoryEventPublisher());

    TrainingReport unreachable;
    KafkaEventPublisher publisher = new KafkaEventPublisher(settings);
    try (publisher) {
      unreachable =
          TrainingRun.run(TrainingSpec.of("no-broker", Fault.NONE).withSteps(steps), publisher);
    }
    PublisherStats afterClose = publisher.stats();
    System.out.printf(
        "[figures] %d steps: %.2f ms/step publishing to memory, %.2f ms/step publishing to an "
            + "unreachable broker; %s%n",
        steps, baseline.meanStepMs(), unreachable.meanStepMs(), afterClose);

    assertThat(unreachable.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(unreachable.stepsRun()).isEqualTo(steps);
    assertThat(afterClose.published()).isEqualTo(steps + 2);
    assertThat(afterClose.delivered()).isZero();
    assertThat(afterClose.lost()).isEqualTo(afterClose.published());
  }

  @Test
  void shouldReportAKilledRunFromTheShutdownHook() throws Exception {
    String runId = "killed-" + UUID.randomUUID();
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                EndlessTraining.class.getName(),
                broker.bootstrapServers(),
                runId)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      consume(runId, records -> records.size() >= 5, Duration.ofSeconds(60));
      child.destroy(); // SIGTERM: shutdown hooks run
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }

    List<ConsumerRecord<String, byte[]>> records =
        consume(
            runId,
            rs ->
                !rs.isEmpty()
                    && EventCodec.decode(rs.get(rs.size() - 1).value()) instanceof RunEnded,
            Duration.ofSeconds(30));
    TrainingEvent last = EventCodec.decode(records.get(records.size() - 1).value());
    assertThat(last)
        .isInstanceOfSatisfying(
            RunEnded.class, e -> assertThat(e.status()).isEqualTo(RunStatus.KILLED));
  }

  private static List<ConsumerRecord<String, byte[]>> consumeRun(String runId, int expected) {
    List<ConsumerRecord<String, byte[]>> records =
        consume(runId, rs -> rs.size() >= expected, Duration.ofSeconds(30));
    assertThat(records).hasSize(expected);
    return records;
  }

  /**
   * This run's records from the beginning of the events topic, until {@code done}; fails after the
   * timeout.
   */
  private static List<ConsumerRecord<String, byte[]>> consume(
      String runId, Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout) {
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
          .atMost(timeout)
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
                return done.test(records);
              });
    }
    return records;
  }
}
