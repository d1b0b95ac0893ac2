package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 1: the monitor is killed with SIGKILL in the middle of a stream that raises alerts, and
 * restarted on the same state directory. A {@code read_committed} consumer of {@code
 * trainwatch.alerts} sees every expected alert emission exactly once: none lost, none repeated.
 * Exactly-once v2 is the monitor's default, so the test configures no processing guarantee at all.
 */
class MonitorCrashRestartIT {

  @Test
  void shouldPublishEveryAlertExactlyOnceAcrossASigkill(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      broker.createTopic(Topics.EVENTS, 3);
      broker.createTopic(Topics.ALERTS, 3);
      broker.createTopic(Topics.EVENTS_DLQ, 1);
      Map<String, Object> client = broker.adminClientConfig();
      // A short session: the restarted instance need not wait the default 45 s for the dead one's
      // to expire.
      // A long commit interval: transactions stay open for seconds, so the kill surely lands inside
      // one.
      Path clientConfig =
          Files.writeString(
              tmp.resolve("client.properties"),
              "session.timeout.ms=6000\nheartbeat.interval.ms=1500\ncommit.interval.ms=3000\n");
      Path logs = ChildJvm.logDir("crash-restart");
      Path stateDir = tmp.resolve("state");

      AlertScenario scenario = new AlertScenario("crash", 24, 40, 10, 3);
      Map<String, AlertStatus> expected = scenario.expectedEmissions();
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.starts());
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(0, 15));

      ChildJvm first =
          MonitorProcess.start(
              "monitor-1",
              broker.bootstrapServers(),
              "crash-monitor",
              stateDir,
              null,
              clientConfig,
              logs.resolve("monitor-1.log"));
      long firingsBeforeKill;
      int uncommittedAtKill;
      try {
        // Steps 0-14 fire every incident (negative loss at step 12, NaN at step 10): wait until all
        // are committed.
        firingsBeforeKill =
            countFirings(
                KafkaFixtures.readAll(
                    client,
                    Topics.ALERTS,
                    r -> countFirings(r) >= 16,
                    Duration.ZERO,
                    Duration.ofSeconds(60)));
        assertThat(firingsBeforeKill).as("firing alerts committed before the kill").isEqualTo(16);

        // Steps 15-29 resolve the NaN incidents. Kill the monitor as soon as the first resolution
        // is written, i.e.
        // while it is in the middle of this part of the stream, most likely inside an open
        // transaction.
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(15, 30));
        uncommittedAtKill =
            KafkaFixtures.readAll(
                    uncommitted(client),
                    Topics.ALERTS,
                    r -> r.stream().anyMatch(rec -> !AlertCodec.decode(rec.value()).firing()),
                    Duration.ZERO,
                    Duration.ofSeconds(60))
                .size();
      } finally {
        first.kill();
      }
      assertThat(first.isAlive()).isFalse();

      // The stream goes on while no monitor runs.
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(30, scenario.steps()));
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.ends());

      long restartNanos = System.nanoTime();
      ChildJvm second =
          MonitorProcess.start(
              "monitor-2",
              broker.bootstrapServers(),
              "crash-monitor",
              stateDir,
              null,
              clientConfig,
              logs.resolve("monitor-2.log"));
      List<Alert> alerts;
      try {
        alerts = scenario.readAlerts(client, Duration.ofSeconds(3), Duration.ofSeconds(90));
      } finally {
        second.stop(Duration.ofSeconds(30));
      }
      long recoveryMs = (System.nanoTime() - restartNanos) / 1_000_000;
      List<ConsumerRecord<byte[], byte[]>> everything =
          KafkaFixtures.readAll(
              uncommitted(client),
              Topics.ALERTS,
              r -> r.size() >= alerts.size(),
              Duration.ofSeconds(1),
              Duration.ofSeconds(20));

      System.out.printf(
          "crash/restart: %d runs, %d alert emissions expected, %d seen by read_committed "
              + "(%d distinct); %d records in the log including aborted ones (%d written when SIGKILL came, %d "
              + "committed); restart to all alerts: %d ms%n",
          scenario.runIds().size(),
          expected.size(),
          alerts.size(),
          AlertScenario.distinctEmissions(alerts),
          everything.size(),
          uncommittedAtKill,
          firingsBeforeKill,
          recoveryMs);

      scenario.assertExactlyOnce(alerts);
    }
  }

  private static long countFirings(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> AlertCodec.decode(r.value())).filter(Alert::firing).count();
  }

  private static Map<String, Object> uncommitted(Map<String, Object> client) {
    Map<String, Object> c = new HashMap<>(client);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    return c;
  }
}
