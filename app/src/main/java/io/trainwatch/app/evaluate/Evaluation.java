package io.trainwatch.app.evaluate;

import io.trainwatch.app.AlertCollector;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.schemas.Alert;
import io.trainwatch.trainer.KafkaEventPublisher;
import io.trainwatch.trainer.TrainingReport;
import io.trainwatch.trainer.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs a corpus of labeled trainings through the real system: embedded Kafka broker, the monitor with its default
 * configuration, the DL4J listener publishing every iteration; then collects what the monitor said about each run.
 */
public final class Evaluation {

  /** How long to wait for the monitor to finish with the runs after the last training ended. */
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

  private Evaluation() {}

  /**
   * Trains every scenario ({@code parallelism} at a time) and returns the results in corpus order.
   *
   * @param progress receives one line per finished training
   */
  public static List<ScenarioResult> run(List<Scenario> corpus, int parallelism, Consumer<String> progress)
      throws Exception {
    Path stateDir = Files.createTempDirectory("trainwatch-evaluate-");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        Monitor monitor = Monitor.start(MonitorOptions.of(broker.bootstrapServers()).withStateDir(stateDir)
            .withApplicationId("trainwatch-evaluate-" + UUID.randomUUID()));
        AlertCollector alerts = AlertCollector.start(broker.bootstrapServers(), new Properties(), a -> { })) {
      List<TrainingReport> reports = train(broker.bootstrapServers(), corpus, parallelism, progress);
      // Every run ends with run_ended, which resolves its open alerts: the monitor is done with a run once each of its
      // firings has a resolution (or nothing fired). Waiting for that also gives late false alarms time to appear.
      alerts.awaitCondition(seen -> corpus.stream().allMatch(s -> settled(s, seen)), SETTLE_TIMEOUT);
      List<ScenarioResult> results = new ArrayList<>();
      for (int i = 0; i < corpus.size(); i++) {
        Scenario s = corpus.get(i);
        results.add(new ScenarioResult(s, reports.get(i), alerts.alertsOf(s.spec().runId())));
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
    boolean expectedSeen = s.expected().stream().allMatch(e -> seen.stream().anyMatch(
        a -> a.runId().equals(runId) && a.firing() && a.rule().equals(e.rule())));
    return expectedSeen && resolved >= firing;
  }

  private static List<TrainingReport> train(
      String bootstrap, List<Scenario> corpus, int parallelism, Consumer<String> progress) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism));
    try {
      List<Future<TrainingReport>> futures = new ArrayList<>();
      for (Scenario s : corpus) {
        futures.add(pool.submit(() -> {
          try (KafkaEventPublisher publisher = KafkaEventPublisher.connect(bootstrap)) {
            TrainingReport report = TrainingRun.run(s.spec(), publisher);
            progress.accept(report.summary());
            return report;
          }
        }));
      }
      List<TrainingReport> reports = new ArrayList<>();
      for (Future<TrainingReport> f : futures) {
        reports.add(f.get());
      }
      return reports;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
