package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Takeover with the default group settings (static membership from the state directory, a 10 s
 * session, one standby replica), two real monitor processes on one application id:
 *
 * <ul>
 *   <li>one is killed with SIGKILL and never comes back: the survivor takes its runs over with
 *       their state (a pending alert fires at its step, nothing fires twice);
 *   <li>a rolling restart (SIGTERM, start again on the same state directory, then the other) while
 *       the events keep coming: every alert exactly once.
 * </ul>
 *
 * Times are printed, not asserted (the machine is shared); docs/reliability.md quotes them.
 */
class TakeoverIT {

  private static final String APP_ID = "takeover-monitor";
  private static final int PARTITIONS = 4;

  @Test
  void shouldLetTheSurvivorTakeOverAKilledInstancesRunsWithTheirState(@TempDir Path tmp)
      throws Exception {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      createTopics(broker);
      Map<String, Object> client = broker.adminClientConfig();
      Path logs = ChildJvm.logDir("takeover-kill");
      // for_batches = 4: three bad batches (steps 10-12) leave negative_loss pending everywhere.
      AlertScenario scenario = new AlertScenario("takeover", 32, 30, 10, 4);
      Map<String, AlertStatus> expected = scenario.expectedEmissions();

      ChildJvm a = start("monitor-a", broker, tmp.resolve("a"), logs);
      ChildJvm b = null;
      try {
        b = start("monitor-b", broker, tmp.resolve("b"), logs);
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.starts());
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(0, 13));
        // Every NaN incident (step 10) fires before the kill: 1 firing per NON_FINITE run.
        long nanRuns =
            scenario.runIds().stream()
                .filter(id -> scenario.pattern(id) == AlertScenario.Pattern.NON_FINITE)
                .count();
        KafkaFixtures.readAll(
            client,
            Topics.ALERTS,
            r -> r.size() >= nanRuns,
            Duration.ofSeconds(3),
            Duration.ofSeconds(90));
        long killNanos = System.nanoTime();
        a.kill();
        // The survivor's log (target/it-logs/takeover-kill) shows when its rebalance began and
        // ended.
        System.out.printf("takeover: monitor-a SIGKILLed at %s%n", java.time.LocalTime.now());
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(13, scenario.steps()));
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.ends());
        List<Alert> alerts =
            scenario.readAlerts(client, Duration.ofSeconds(3), Duration.ofSeconds(120));
        long allMs = (System.nanoTime() - killNanos) / 1_000_000;
        System.out.printf(
            "takeover: SIGKILL of one of two instances (standby 1, session 10 s) to every alert"
                + " of the stream committed by the survivor: %d ms; %d emissions expected, %d seen%n",
            allMs, expected.size(), alerts.size());
        scenario.assertExactlyOnce(alerts);
      } finally {
        a.kill();
        if (b != null) {
          b.stop(Duration.ofSeconds(30));
        }
      }
    }
  }

  @Test
  void shouldLoseNothingInARollingRestartOfTwoInstances(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      createTopics(broker);
      Map<String, Object> client = broker.adminClientConfig();
      Path logs = ChildJvm.logDir("takeover-rolling");
      AlertScenario scenario = new AlertScenario("rolling", 32, 60, 20, 4);
      Map<String, AlertStatus> expected = scenario.expectedEmissions();

      ChildJvm a = null;
      ChildJvm b = null;
      // The trainers publish one step every 250 ms throughout both restarts.
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.starts());
      CompletableFuture<Void> trainers = null;
      try {
        a = start("monitor-a", broker, tmp.resolve("a"), logs);
        b = start("monitor-b", broker, tmp.resolve("b"), logs);
        trainers =
            CompletableFuture.runAsync(
                () -> {
                  for (int step = 0; step < scenario.steps(); step++) {
                    KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batchesAt(step));
                    ChildJvm.sleep(250);
                  }
                  KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.ends());
                });
        long[] restartMs = new long[2];
        ChildJvm.sleep(2_000);
        long t = System.nanoTime();
        assertThat(a.stop(Duration.ofSeconds(30)))
            .as("monitor-a stopped by SIGTERM")
            .isNotEqualTo(-1);
        a = start("monitor-a", broker, tmp.resolve("a"), logs);
        restartMs[0] = (System.nanoTime() - t) / 1_000_000;
        ChildJvm.sleep(2_000);
        t = System.nanoTime();
        assertThat(b.stop(Duration.ofSeconds(30)))
            .as("monitor-b stopped by SIGTERM")
            .isNotEqualTo(-1);
        b = start("monitor-b", broker, tmp.resolve("b"), logs);
        restartMs[1] = (System.nanoTime() - t) / 1_000_000;
        trainers.get();
        List<Alert> alerts =
            scenario.readAlerts(client, Duration.ofSeconds(3), Duration.ofSeconds(120));
        System.out.printf(
            "rolling restart: monitor-a stop to running again %d ms, monitor-b %d ms, while %d"
                + " runs published; %d emissions expected, %d seen%n",
            restartMs[0], restartMs[1], scenario.runIds().size(), expected.size(), alerts.size());
        scenario.assertExactlyOnce(alerts);
      } finally {
        if (trainers != null) {
          trainers.cancel(true);
        }
        for (ChildJvm m : new ChildJvm[] {a, b}) {
          if (m != null) {
            m.stop(Duration.ofSeconds(30));
          }
        }
      }
    }
  }

  private static void createTopics(EmbeddedKafkaBroker broker) {
    broker.createTopic(Topics.EVENTS, PARTITIONS);
    broker.createTopic(Topics.ALERTS, PARTITIONS);
    broker.createTopic(Topics.EVENTS_DLQ, 1);
  }

  /** A monitor with the default group settings; only the commit interval is short. */
  private static ChildJvm start(String name, EmbeddedKafkaBroker broker, Path stateDir, Path logs)
      throws Exception {
    Path clientConfig = stateDir.resolveSibling(name + "-client.properties");
    Files.writeString(clientConfig, "commit.interval.ms=500\n");
    return MonitorProcess.start(
        name,
        broker.bootstrapServers(),
        APP_ID,
        stateDir,
        null,
        clientConfig,
        logs.resolve(name + ".log"));
  }
}
