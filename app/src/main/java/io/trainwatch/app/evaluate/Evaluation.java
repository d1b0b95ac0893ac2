package io.trainwatch.app.evaluate;

import io.trainwatch.app.AlertCollector;
import io.trainwatch.app.MonitorCatchUp;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.Topics;
import io.trainwatch.trainer.ConcurrentTrainings;
import io.trainwatch.trainer.TrainingReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Runs a corpus of labeled trainings through the real system: embedded Kafka broker, the monitor,
 * the DL4J listener publishing every iteration; then collects what the monitor said about each run.
 *
 * <p>The monitor runs with its built-in rule defaults; {@link #MONITOR_SETTINGS} only make a stall
 * observable in seconds rather than the default ten minutes.
 */
public final class Evaluation {

  /** How long to wait for the monitor to finish with the runs after the last training ended. */
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);

  /**
   * The evaluation monitor's configuration, as properties of the monitor's configuration file: the
   * stalled run's job gets a 5-second stall timeout, checked every second. Everything else is at
   * its built-in default.
   */
  public static final Map<String, String> MONITOR_SETTINGS = monitorSettings();

  private Evaluation() {}

  private static Map<String, String> monitorSettings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("monitor.wall_clock_interval_seconds", "1");
    settings.put("jobs." + Corpus.STALL_JOB + ".rules.stalled_run.stall_seconds", "5");
    return Collections.unmodifiableMap(settings);
  }

  /** The monitor configuration the evaluation runs with. */
  public static MonitorConfig monitorConfig() {
    Properties p = new Properties();
    p.putAll(MONITOR_SETTINGS);
    return MonitorConfig.parse(p);
  }

  /**
   * Trains every scenario ({@code parallelism} at a time) and returns the results in corpus order.
   *
   * @param progress receives one line per finished training
   */
  public static List<ScenarioResult> run(
      List<Scenario> corpus, int parallelism, Consumer<String> progress) throws Exception {
    MonitorConfig config = monitorConfig();
    Path stateDir = Files.createTempDirectory("trainwatch-evaluate-");
    String applicationId = "trainwatch-evaluate-" + UUID.randomUUID();
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        Monitor monitor =
            Monitor.start(
                MonitorOptions.of(broker.bootstrapServers())
                    .withStateDir(stateDir)
                    .withConfig(config)
                    .withApplicationId(applicationId));
        AlertCollector alerts =
            AlertCollector.start(broker.bootstrapServers(), new Properties(), a -> {})) {
      List<TrainingReport> reports =
          ConcurrentTrainings.run(
              corpus.stream().map(Scenario::spec).toList(),
              broker.bootstrapServers(),
              parallelism,
              report -> progress.accept(report.summary()));
      // First the monitor must have read every event (so that a late false alarm cannot be missed);
      // then every run
      // but the stalled one has seen its run_ended, which resolves its open alerts, so the
      // collector has read all
      // there is once each firing has its resolution and each expected alert has come.
      boolean settled =
          MonitorCatchUp.await(broker.bootstrapServers(), applicationId, SETTLE_TIMEOUT)
              && alerts.awaitCondition(
                  seen -> corpus.stream().allMatch(s -> settled(s, seen)), SETTLE_TIMEOUT);
      if (!settled) {
        progress.accept(
            "monitor not settled after " + SETTLE_TIMEOUT + ": scoring what it said so far");
      }
      Map<String, List<BatchEvent>> batches = readBatches(broker.bootstrapServers());
      List<ScenarioResult> results = new ArrayList<>();
      for (int i = 0; i < corpus.size(); i++) {
        Scenario s = corpus.get(i);
        results.add(
            new ScenarioResult(
                s,
                reports.get(i),
                alerts.alertsOf(s.spec().runId()),
                batches.getOrDefault(s.spec().runId(), List.of()),
                config.rules().forJob(s.spec().job())));
      }
      return results;
    } finally {
      deleteQuietly(stateDir);
    }
  }

  private static boolean settled(Scenario s, List<Alert> seen) {
    String runId = s.spec().runId();
    long firing = seen.stream().filter(a -> a.runId().equals(runId) && a.firing()).count();
    long resolved = seen.stream().filter(a -> a.runId().equals(runId) && !a.firing()).count();
    boolean expectedSeen =
        s.expected().stream()
            .anyMatch(
                e ->
                    seen.stream()
                        .anyMatch(
                            a ->
                                a.runId().equals(runId)
                                    && a.firing()
                                    && a.rule().equals(e.rule())));
    boolean ends = s.spec().fault() != Fault.STALL;
    return (s.healthy() || s.knownGap() != null || expectedSeen) && (!ends || resolved >= firing);
  }

  /**
   * Every batch event on {@code trainwatch.events}, by run id, in order: what the monitor read,
   * used to locate where a scenario's delay is counted from. Called once the monitor has caught up,
   * so the topic is complete.
   */
  private static Map<String, List<BatchEvent>> readBatches(String bootstrap) {
    Map<String, Object> props =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "trainwatch-evaluate-reader-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            "false");
    Map<String, List<BatchEvent>> byRun = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.EVENTS).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read " + Topics.EVENTS + " back within " + SETTLE_TIMEOUT);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (EventCodec.decode(r.value()) instanceof BatchEvent b) {
            byRun.computeIfAbsent(b.runId(), id -> new ArrayList<>()).add(b);
          }
        }
      }
    }
    return byRun;
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
