package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.actions.ActionPlanner;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertAction;
import io.trainwatch.schemas.CommandType;
import io.trainwatch.schemas.ControlCodec;
import io.trainwatch.schemas.ControlCommand;
import io.trainwatch.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command is written in the same transaction as its alert: the monitor, with a policy that stops
 * every run whose alert fires, is killed with SIGKILL between alerts and restarted on the same
 * state. A {@code read_committed} reader of {@code trainwatch.control} sees exactly one command per
 * firing alert: none lost, none repeated, none without its alert.
 */
class CommandExactlyOnceIT {

  @Test
  void shouldWriteExactlyOneCommandPerAlertAcrossASigkill(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      broker.createTopic(Topics.EVENTS, 3);
      broker.createTopic(Topics.ALERTS, 3);
      broker.createTopic(Topics.EVENTS_DLQ, 1);
      broker.createTopic(Topics.CONTROL, 3);
      Map<String, Object> client = broker.adminClientConfig();
      // A long commit interval: transactions stay open for seconds, so the kill lands inside one.
      Path clientConfig =
          Files.writeString(
              tmp.resolve("client.properties"),
              "session.timeout.ms=6000\nheartbeat.interval.ms=1500\ncommit.interval.ms=3000\n");
      Path config =
          Files.writeString(
              tmp.resolve("monitor.properties"),
              "actions.policies=stop_all\nactions.policy.stop_all.commands=stop\n");
      Path logs = ChildJvm.logDir("command-exactly-once");
      Path stateDir = tmp.resolve("state");

      AlertScenario scenario = new AlertScenario("cmd", 24, 40, 10, 3);
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.starts());
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(0, 11));

      ChildJvm first =
          MonitorProcess.start(
              "monitor-1",
              broker.bootstrapServers(),
              "command-monitor",
              stateDir,
              config,
              clientConfig,
              logs.resolve("monitor-1.log"));
      int writtenAtKill;
      try {
        // Step 10 fires the NaN incidents; then the negative-loss ones come at step 12: kill the
        // monitor as soon as the first command of those is written, inside an open transaction.
        KafkaFixtures.readAll(
            client, Topics.CONTROL, r -> r.size() >= 8, Duration.ZERO, Duration.ofSeconds(60));
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(11, 20));
        writtenAtKill =
            KafkaFixtures.readAll(
                    uncommitted(client),
                    Topics.CONTROL,
                    r -> r.size() > 8,
                    Duration.ZERO,
                    Duration.ofSeconds(60))
                .size();
      } finally {
        first.kill();
      }
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(20, scenario.steps()));
      KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.ends());

      ChildJvm second =
          MonitorProcess.start(
              "monitor-2",
              broker.bootstrapServers(),
              "command-monitor",
              stateDir,
              config,
              clientConfig,
              logs.resolve("monitor-2.log"));
      List<Alert> alerts;
      List<ControlCommand> commands;
      try {
        alerts =
            KafkaFixtures.alerts(
                KafkaFixtures.readAll(
                    client,
                    Topics.ALERTS,
                    r -> r.size() >= scenario.expectedEmissions().size(),
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(90)));
        commands =
            KafkaFixtures.readAll(
                    client,
                    Topics.CONTROL,
                    r -> true,
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(30))
                .stream()
                .map(r -> ControlCodec.decode(r.value()))
                .toList();
      } finally {
        second.stop(Duration.ofSeconds(30));
      }
      List<ConsumerRecord<byte[], byte[]>> everything =
          KafkaFixtures.readAll(
              uncommitted(client),
              Topics.CONTROL,
              r -> r.size() >= commands.size(),
              Duration.ofSeconds(1),
              Duration.ofSeconds(20));

      Set<String> firing =
          alerts.stream()
              .filter(Alert::firing)
              .map(Alert::eventId)
              .collect(Collectors.toCollection(TreeSet::new));
      Map<String, Long> perAlert =
          commands.stream()
              .collect(
                  Collectors.groupingBy(
                      ControlCommand::alertEventId, TreeMap::new, Collectors.counting()));
      System.out.printf(
          "command exactly-once: %d firing alerts, %d commands read_committed (%d in the log with"
              + " aborted ones, %d written when SIGKILL came)%n",
          firing.size(), commands.size(), everything.size(), writtenAtKill);

      assertThat(firing).hasSize(16);
      assertThat(perAlert.keySet()).as("alerts with a command").isEqualTo(firing);
      assertThat(perAlert.values()).as("commands per alert").containsOnly(1L);
      for (ControlCommand c : commands) {
        assertThat(c.command()).isEqualTo(CommandType.STOP);
        assertThat(c.commandId())
            .isEqualTo(ActionPlanner.commandId(c.alertEventId(), CommandType.STOP, c.runId()));
      }
      Set<String> audited =
          alerts.stream()
              .filter(Alert::firing)
              .flatMap(a -> a.actions().stream())
              .map(AlertAction::commandId)
              .collect(Collectors.toCollection(TreeSet::new));
      Set<String> written =
          commands.stream()
              .map(ControlCommand::commandId)
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(audited).as("every command audited by its alert").isEqualTo(written);
    }
  }

  private static Map<String, Object> uncommitted(Map<String, Object> client) {
    Map<String, Object> c = new HashMap<>(client);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    return c;
  }
}
