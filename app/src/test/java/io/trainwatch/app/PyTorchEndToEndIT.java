package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real PyTorch trainings (the Python client, {@code python3 -m trainwatch.demo}) publishing to the
 * real embedded Kafka broker, judged by the real monitor: the seed's bugs and raw logits into
 * {@code nll_loss} are alerted with the right rule, diagnosis and a PyTorch hint; the healthy
 * controls (cross-entropy on logits, LogSoftmax + nll_loss, a Gaussian NLL regression whose loss is
 * legitimately negative, a token-id language model over 2,000 words) raise nothing.
 *
 * <p>The closed loop too: the monitor runs a policy that stops runs of the job whose loss turns
 * NaN, and a run that trains on until it is told ({@code diverge-until-stopped}) stops through the
 * client's control subscriber ({@code run.should_stop}), with {@code run_ended} saying why.
 *
 * <p>Skipped, saying why, when this machine has no Python with PyTorch and confluent-kafka ({@code
 * .ci/run} installs Debian's).
 */
class PyTorchEndToEndIT {

  /** scenario -> the firing alert it must raise (rule, diagnosis, words of its PyTorch hint). */
  private record Expected(String rule, String diagnosis, String hintWords) {}

  private static final Map<String, Expected> FAULTS =
      Map.of(
          "softmax-into-nll",
          new Expected(
              "negative_loss", "softmax_into_nll", "use LogSoftmax, or CrossEntropyLoss on logits"),
          "logits-into-nll",
          new Expected(
              "negative_loss",
              "logits_into_nll",
              "apply log_softmax, or use cross_entropy on the logits"),
          "unnormalized-input",
          new Expected("unnormalized_input", "pixel_scale", "transforms.Normalize"),
          "unnormalized-uint8",
          new Expected("unnormalized_input", "pixel_scale", "transforms.Normalize"),
          "diverge",
          new Expected("nonfinite_loss", null, "clip_grad_norm_"));

  private static final List<String> HEALTHY =
      List.of("healthy-cross-entropy", "healthy-log-softmax", "healthy-gaussian-nll", "healthy-lm");

  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path stateDir;

  @Test
  void shouldAlertEveryPyTorchBugWithItsPyTorchHintAndNothingOnHealthyRuns() throws Exception {
    PyTorchTrainings python = PyTorchTrainings.locate();
    Optional<String> unavailable = python.unavailable();
    unavailable.ifPresent(
        why -> System.out.println("PyTorchEndToEndIT skipped: " + why)); // the reason, printed
    assumeTrue(unavailable.isEmpty(), () -> unavailable.orElse(""));

    String prefix = "pt-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    String applicationId = "pytorch-it-" + UUID.randomUUID();
    List<String> scenarios = new ArrayList<>(FAULTS.keySet());
    scenarios.addAll(HEALTHY);
    scenarios.add("diverge-until-stopped");
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        Monitor monitor =
            Monitor.start(
                MonitorOptions.of(broker.bootstrapServers())
                    .withApplicationId(applicationId)
                    .withStateDir(stateDir)
                    .withConfig(
                        MonitorConfig.parse(
                            Map.of(
                                "actions.policies", "stop_on_nan",
                                "actions.policy.stop_on_nan.rules", "nonfinite_loss",
                                "actions.policy.stop_on_nan.jobs", "pytorch-it",
                                "actions.policy.stop_on_nan.commands", "stop"))))) {
      PyTorchTrainings.Result result =
          python.train(
              broker.bootstrapServers(),
              prefix,
              "pytorch-it",
              scenarios,
              200,
              line -> System.out.println("python: " + line),
              600);
      assertThat(result.exitCode())
          .as("python exit code (1: an event was not delivered); output:%n%s", result.output())
          .isZero();

      // It trains until the monitor's stop command reaches it (at most 20,000 steps).
      assertThat(result.output())
          .anySatisfy(
              line ->
                  assertThat(line)
                      .startsWith(prefix + "diverge-until-stopped: ")
                      .contains("stopped by trainwatch at step")
                      .contains("(alert " + prefix + "diverge-until-stopped/nonfinite_loss"));

      // Sound, not timed: once the monitor has committed every event the trainings produced, every
      // alert it will ever raise for them is committed to the alert topic.
      assertThat(MonitorCatchUp.await(broker.bootstrapServers(), applicationId, WAIT))
          .as("monitor caught up")
          .isTrue();
      List<Alert> alerts = readCommittedAlerts(broker.bootstrapServers());

      for (Map.Entry<String, Expected> fault : FAULTS.entrySet()) {
        String runId = prefix + fault.getKey();
        Expected e = fault.getValue();
        assertThat(firing(alerts, runId))
            .as("%s: alerts %s", runId, describe(alerts, runId))
            .anySatisfy(
                a -> {
                  assertThat(a.rule()).isEqualTo(e.rule());
                  if (e.diagnosis() != null) {
                    assertThat(a.diagnosis()).isEqualTo(e.diagnosis());
                  }
                  assertThat(a.hint()).contains(e.hintWords());
                  assertThat(a.job()).isEqualTo("pytorch-it");
                });
      }
      for (String healthy : HEALTHY) {
        String runId = prefix + healthy;
        assertThat(alerts.stream().filter(a -> a.runId().equals(runId)))
            .as("healthy run %s: alerts %s", runId, describe(alerts, runId))
            .isEmpty();
      }
    }
  }

  private static List<Alert> firing(List<Alert> alerts, String runId) {
    return alerts.stream().filter(a -> a.runId().equals(runId) && a.firing()).toList();
  }

  private static String describe(List<Alert> alerts, String runId) {
    return alerts.stream()
        .filter(a -> a.runId().equals(runId))
        .map(a -> a.status() + " " + a.rule() + "/" + a.diagnosis() + " at step " + a.step())
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** Every committed alert, read to the end of the alert topic (its last stable offsets). */
  private static List<Alert> readCommittedAlerts(String bootstrap) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.ALERTS).stream()
              .map(p -> new TopicPartition(Topics.ALERTS, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      List<Alert> alerts = new ArrayList<>();
      await("alerts read to the end")
          .atMost(WAIT)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(10))
          .until(
              () -> {
                if (partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p))) {
                  return true;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  alerts.add(AlertCodec.decode(r.value()));
                }
                return false;
              });
      return alerts;
    }
  }
}
