package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.Topics;
import io.trainwatch.trainer.ConcurrentTrainings;
import io.trainwatch.trainer.TrainingReport;
import io.trainwatch.trainer.TrainingSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole pipeline on a real Kafka broker: real DL4J trainings publish through the real listener,
 * the real monitor alerts, a read_committed consumer reads the alerts. Subclasses say where Kafka
 * runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EndToEndScenarios {

  private static final Duration ALERT_TIMEOUT = Duration.ofSeconds(60);
  private static final int STEPS = 120;

  private Monitor monitor;
  private AlertCollector alerts;
  private Path stateDir;
  private String bootstrap;

  /** Starts Kafka and returns its bootstrap servers. */
  abstract String startKafka();

  /** Stops Kafka. */
  abstract void stopKafka();

  @BeforeAll
  void startPipeline() throws Exception {
    bootstrap = startKafka();
    stateDir = Files.createTempDirectory("trainwatch-e2e-");
    monitor =
        Monitor.start(
            MonitorOptions.of(bootstrap)
                .withStateDir(stateDir)
                .withApplicationId("e2e-" + UUID.randomUUID()));
    alerts = AlertCollector.start(bootstrap, new Properties(), a -> {});
  }

  @AfterAll
  void stopPipeline() throws Exception {
    if (alerts != null) {
      alerts.close();
    }
    if (monitor != null) {
      monitor.close();
    }
    stopKafka();
  }

  @Test
  void shouldAlertEveryFaultyTrainingWithTheRightDiagnosisAndLeaveTheHealthyOneAlone()
      throws Exception {
    List<DemoScenario> scenarios =
        DemoScenario.seeds("e2e-" + UUID.randomUUID().toString().substring(0, 8) + "-");
    List<TrainingReport> reports =
        ConcurrentTrainings.run(
            scenarios.stream()
                .map(s -> TrainingSpec.of(s.runId(), s.fault()).withSteps(STEPS).withJob("e2e"))
                .toList(),
            bootstrap,
            scenarios.size(),
            report -> {});
    assertThat(reports).allSatisfy(r -> assertThat(r.publisher().dropped()).isZero());

    boolean allFired =
        alerts.awaitCondition(
            seen ->
                scenarios.stream()
                    .filter(s -> !s.healthy())
                    .allMatch(
                        s ->
                            s.satisfiedBy(
                                seen.stream().filter(a -> a.runId().equals(s.runId())).toList())),
            ALERT_TIMEOUT);
    assertThat(allFired).as("every faulty run alerted; seen: %s", alerts.alerts()).isTrue();
    // Each run ended, so each open alert must also be resolved: wait for that, which also gives a
    // late alert on the
    // healthy run the time to show up.
    alerts.awaitCondition(
        seen ->
            seen.stream().filter(a -> !a.firing()).count()
                >= seen.stream().filter(Alert::firing).count(),
        ALERT_TIMEOUT);

    Map<Fault, String> hintWording =
        Map.of(
            Fault.SOFTMAX_INTO_NLL, "LossMCXENT",
            Fault.UNNORMALIZED_INPUT, "ImagePreProcessingScaler",
            Fault.DIVERGE, "learning rate");
    for (DemoScenario s : scenarios) {
      List<Alert> runAlerts = alerts.alertsOf(s.runId());
      if (s.healthy()) {
        assertThat(runAlerts).as("alerts on the healthy run").isEmpty();
        continue;
      }
      Alert firing = runAlerts.stream().filter(s::isExpectedFiring).findFirst().orElseThrow();
      assertThat(firing.hint())
          .as("DL4J wording of the %s hint", s.fault())
          .contains(hintWording.get(s.fault()));
      assertThat(firing.job()).isEqualTo("e2e");
      assertThat(firing.revision()).isEqualTo(1);
      assertThat(runAlerts)
          .as("one firing per incident, never one per batch")
          .filteredOn(a -> a.firing() && a.rule().equals(s.expectedRule()))
          .hasSize(1);
      assertThat(runAlerts)
          .as("resolved when the run ended")
          .anyMatch(a -> !a.firing() && a.rule().equals(s.expectedRule()) && a.revision() == 2);
    }
  }

  @Test
  void shouldDeadLetterAMalformedEventWithItsReasonAndKeepProcessing() throws Exception {
    String badRun = "garbage-" + UUID.randomUUID();
    String goodRun = "after-garbage-" + UUID.randomUUID();
    byte[] garbage =
        "{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"x\",\"ts_ms\":1,\"step\":\"three\"}"
            .getBytes(StandardCharsets.UTF_8);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      producer.send(new ProducerRecord<>(Topics.EVENTS, bytes(badRun), garbage)).get();
      producer
          .send(
              new ProducerRecord<>(
                  Topics.EVENTS,
                  bytes(goodRun),
                  EventCodec.encode(
                      RunStarted.of(
                          goodRun,
                          System.currentTimeMillis(),
                          "pytorch",
                          new LossDescriptor(
                              "nll_loss", InputKind.LOG_PROBABILITIES, "softmax", 0.0)))))
          .get();
      for (int step = 0; step < 6; step++) {
        BatchEvent batch =
            new BatchEvent(
                goodRun,
                System.currentTimeMillis(),
                step,
                0,
                64,
                -0.1 - step * 0.01,
                Stats.of(-2, 2, 0, 1, 0, 4096),
                new Stats(0.01, 0.5, 0.1, 0.05, 0, 640, 1.0, 1e-7),
                null,
                1.0,
                0.1,
                10.0);
        producer
            .send(new ProducerRecord<>(Topics.EVENTS, bytes(goodRun), EventCodec.encode(batch)))
            .get();
      }
    }
    ConsumerRecord<byte[], byte[]> dead = readOne(Topics.EVENTS_DLQ, badRun);
    assertThat(dead.value()).isEqualTo(garbage);
    String reasons = headersAsText(dead);
    assertThat(reasons).as("DLQ headers").contains("step: expected an integer");

    assertThat(
            alerts.awaitCondition(
                seen ->
                    seen.stream()
                        .anyMatch(
                            a ->
                                a.runId().equals(goodRun)
                                    && a.rule().equals("negative_loss")
                                    && "softmax_into_nll".equals(a.diagnosis())),
                ALERT_TIMEOUT))
        .as("the run after the garbage is still watched")
        .isTrue();
    Alert alert = alerts.alertsOf(goodRun).get(0);
    assertThat(alert.hint()).as("PyTorch wording").contains("LogSoftmax");
  }

  private KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private ConsumerRecord<byte[], byte[]> readOne(String topic, String key) {
    Map<String, Object> props =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "e2e-reader-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
      await("a record with key " + key + " on " + topic)
          .atMost(ALERT_TIMEOUT)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(10))
          .until(
              () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(key)) {
                    found.add(r);
                  }
                }
                return !found.isEmpty();
              });
      return found.get(0);
    }
  }

  private static String headersAsText(ConsumerRecord<byte[], byte[]> r) {
    StringBuilder sb = new StringBuilder();
    for (Header h : r.headers()) {
      sb.append(h.key())
          .append('=')
          .append(new String(h.value(), StandardCharsets.UTF_8))
          .append('\n');
    }
    return sb.toString();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
