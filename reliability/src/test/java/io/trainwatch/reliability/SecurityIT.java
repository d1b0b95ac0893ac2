package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.trainwatch.broker.AclGrants;
import io.trainwatch.broker.BrokerSecurity;
import io.trainwatch.broker.BrokerSecurity.SaslMechanism;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.CommandType;
import io.trainwatch.schemas.ControlCodec;
import io.trainwatch.schemas.ControlCommand;
import io.trainwatch.schemas.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 6: on a broker with SASL/SCRAM authentication and ACLs, {@code trainwatch monitor} and
 * {@code trainwatch train} work with the credentials of their {@code --client-config} file and the
 * least privileges they need; an unauthenticated client, a wrong password and an authenticated but
 * unauthorized user are refused; and no password appears in any log or error message.
 */
class SecurityIT {

  private static final String ATTEMPTS_TOPIC =
      io.trainwatch.monitor.config.ActionConfig.defaults().attemptsTopic();

  /** The monitor's own re-keying topics: crash-loop attempts, ranks by job, faults by host. */
  private static final List<String> INTERNAL_TOPICS =
      List.of(
          ATTEMPTS_TOPIC,
          io.trainwatch.monitor.config.JobConfig.JOB_SIGNALS_TOPIC,
          io.trainwatch.monitor.config.JobConfig.HOST_SIGNALS_TOPIC);

  private static final String APP_ID = "secure-monitor";
  private static final String RUN_ID = "secure-run";

  private final String monitorPassword = "mon-" + UUID.randomUUID();
  private final String trainerPassword = "trn-" + UUID.randomUUID();
  private final String intruderPassword = "int-" + UUID.randomUUID();
  private final String wrongPassword = "wrong-" + UUID.randomUUID();

  @Test
  void shouldServeAuthenticatedClientsRefuseOthersAndNeverLogSecrets(@TempDir Path tmp)
      throws Exception {
    BrokerSecurity security =
        BrokerSecurity.sasl(
                SaslMechanism.SCRAM_SHA_256,
                Map.of(
                    "monitor",
                    monitorPassword,
                    "trainer",
                    trainerPassword,
                    "intruder",
                    intruderPassword))
            .withAcls();
    Path logs = ChildJvm.logDir("security");
    List<String> secrets =
        List.of(
            monitorPassword,
            trainerPassword,
            intruderPassword,
            wrongPassword,
            security.adminPassword());
    try (StderrCapture testLog = StderrCapture.start();
        EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(
                EmbeddedKafkaBroker.Options.defaults().withSecurity(security))) {
      broker.createTopic(Topics.EVENTS, 2);
      broker.createTopic(Topics.ALERTS, 2);
      broker.createTopic(Topics.ALERTS_ACTIVE, 2);
      broker.createTopic(Topics.EVENTS_DLQ, 1);
      broker.createTopic(Topics.CONTROL, 2);
      for (String internal : INTERNAL_TOPICS) {
        broker.createTopic(internal, 2);
      }
      grantLeastPrivileges(broker);
      Path monitorConfig = clientConfig(broker, tmp, "monitor", "monitor", monitorPassword);
      // A policy, so that the alert also writes a command to trainwatch.control.
      Path policy =
          Files.writeString(
              tmp.resolve("monitor-policy.properties"),
              "actions.policies=checkpoint_on_nll\n"
                  + "actions.policy.checkpoint_on_nll.rules=negative_loss\n"
                  + "actions.policy.checkpoint_on_nll.commands=checkpoint_now\n");
      Path trainerConfig = clientConfig(broker, tmp, "trainer", "trainer", trainerPassword);

      // The monitor and a trainer reproducing softmax-into-NLL, each with its own credentials: an
      // alert comes out.
      ChildJvm monitor =
          MonitorProcess.start(
              "monitor",
              broker.bootstrapServers(),
              APP_ID,
              tmp.resolve("state"),
              policy,
              monitorConfig,
              logs.resolve("monitor.log"));
      List<Alert> alerts;
      int trainerExit;
      try {
        ChildJvm trainer = train(broker, trainerConfig, RUN_ID, logs.resolve("trainer.log"));
        assertThat(trainer.waitFor(Duration.ofSeconds(180))).as("trainer finished").isTrue();
        trainerExit = trainer.stop(Duration.ofSeconds(1));
        alerts =
            KafkaFixtures.alerts(
                KafkaFixtures.readAll(
                    broker.adminClientConfig(),
                    Topics.ALERTS,
                    r -> KafkaFixtures.alerts(r).stream().anyMatch(a -> a.runId().equals(RUN_ID)),
                    Duration.ZERO,
                    Duration.ofSeconds(60)));
      } finally {
        monitor.stop(Duration.ofSeconds(30));
      }
      assertThat(trainerExit).isZero();
      assertThat(alerts)
          .as("alerts of the authenticated trainer's run, raised by the authenticated monitor")
          .anyMatch(
              a -> a.runId().equals(RUN_ID) && a.rule().equals("negative_loss") && a.firing());

      // Not authenticated: a plaintext client gets nothing from the SASL listener.
      Map<String, Object> anonymous =
          shortTimeouts(Map.of("bootstrap.servers", broker.bootstrapServers()));
      try (Admin admin = Admin.create(anonymous)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(15, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class);
      }
      // Wrong password: refused, and the error does not repeat it.
      Map<String, Object> wrong = new HashMap<>(broker.clientConfig("trainer"));
      wrong.putAll(security.clientConfig("trainer", wrongPassword));
      try (Admin admin = Admin.create(shortTimeouts(wrong))) {
        assertThatThrownBy(() -> admin.listTopics().names().get(15, TimeUnit.SECONDS))
            .hasCauseInstanceOf(SaslAuthenticationException.class)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrongPassword));
      }
      // Authenticated, not authorized: may neither publish events nor read alerts.
      Map<String, Object> intruder = shortTimeouts(broker.clientConfig("intruder"));
      assertThatThrownBy(() -> publish(intruder, Topics.EVENTS))
          .hasRootCauseInstanceOf(TopicAuthorizationException.class);
      assertThatThrownBy(() -> readAlerts(intruder))
          .isInstanceOf(TopicAuthorizationException.class);
      // The trainer may publish but not read the alerts (least privilege).
      assertThatThrownBy(() -> readAlerts(shortTimeouts(broker.clientConfig("trainer"))))
          .isInstanceOf(TopicAuthorizationException.class);
      // trainwatch.control: the monitor wrote the alert's command; the trainer reads it, and
      // neither the trainer nor an intruder may write a command; the intruder may not read.
      List<ControlCommand> commands = readCommands(shortTimeouts(broker.clientConfig("trainer")));
      assertThat(commands)
          .anyMatch(c -> c.runId().equals(RUN_ID) && c.command() == CommandType.CHECKPOINT_NOW);
      for (String writer : List.of("trainer", "intruder")) {
        assertThatThrownBy(
                () -> publish(shortTimeouts(broker.clientConfig(writer)), Topics.CONTROL))
            .as(writer + " writing to " + Topics.CONTROL)
            .hasRootCauseInstanceOf(TopicAuthorizationException.class);
      }
      assertThatThrownBy(() -> readCommands(intruder))
          .isInstanceOf(TopicAuthorizationException.class);

      // The commands with a wrong password: the trainer trains on and counts its events as failed,
      // the monitor
      // refuses to start; neither says the password.
      Path badTrainer = clientConfig(broker, tmp, "bad-trainer", "trainer", wrongPassword);
      ChildJvm refusedTrainer =
          ChildJvm.start(
              "trainer-wrong-password",
              CommandMain.class.getName(),
              List.of(
                  "io.trainwatch.trainer.cli.TrainCommand",
                  "--bootstrap-server",
                  broker.bootstrapServers(),
                  "--client-config",
                  badTrainer.toString(),
                  "--run-id",
                  "refused-run",
                  "--steps",
                  "20",
                  "--delivery-timeout",
                  "PT2S"),
              logs.resolve("trainer-wrong-password.log"),
              true);
      assertThat(refusedTrainer.waitFor(Duration.ofSeconds(120))).isTrue();
      Path badMonitor = clientConfig(broker, tmp, "bad-monitor", "monitor", wrongPassword);
      ChildJvm refusedMonitor =
          ChildJvm.start(
              "monitor-wrong-password",
              "io.trainwatch.monitor.MonitorCommand",
              List.of(
                  "--bootstrap-server",
                  broker.bootstrapServers(),
                  "--application-id",
                  APP_ID,
                  "--state-dir",
                  tmp.resolve("state2").toString(),
                  "--client-config",
                  badMonitor.toString(),
                  "--http-port",
                  "0"),
              logs.resolve("monitor-wrong-password.log"));
      assertThat(refusedMonitor.waitFor(Duration.ofSeconds(120))).as("monitor gave up").isTrue();
      int refusedMonitorExit = refusedMonitor.stop(Duration.ofSeconds(1));

      System.out.printf(
          "security: SCRAM-SHA-256 + ACLs; %d alert(s) for the authenticated run; trainer with a wrong "
              + "password: %s; monitor with a wrong password exited %d: %s%n",
          alerts.size(),
          lastLine(refusedTrainer.output(), "events:"),
          refusedMonitorExit,
          lastLine(refusedMonitor.output(), "monitor:"));
      assertThat(refusedTrainer.output()).contains(" 0 delivered");
      assertThat(refusedMonitorExit).isNotZero();

      List<String> everything =
          new ArrayList<>(
              List.of(
                  monitor.output(),
                  refusedTrainer.output(),
                  refusedMonitor.output(),
                  testLog.text()));
      everything.add(Files.readString(logs.resolve("trainer.log")));
      for (String out : everything) {
        for (String secret : secrets) {
          assertThat(out).as("a log or error message").doesNotContain(secret);
        }
      }
    }
  }

  /** What each principal needs, and nothing more. */
  private static void grantLeastPrivileges(EmbeddedKafkaBroker broker) throws Exception {
    AclGrants acls = new AclGrants();
    // The trainer writes events (idempotently: WRITE on the topic is enough since Kafka 3.0).
    acls.allow(
        "trainer",
        ResourceType.TOPIC,
        Topics.EVENTS,
        PatternType.LITERAL,
        AclOperation.WRITE,
        AclOperation.DESCRIBE);
    // The monitor reads events and writes alerts and dead letters, in transactions (exactly-once).
    acls.allow(
        "monitor",
        ResourceType.TOPIC,
        Topics.EVENTS,
        PatternType.LITERAL,
        AclOperation.READ,
        AclOperation.DESCRIBE);
    for (String out : List.of(Topics.ALERTS, Topics.ALERTS_ACTIVE, Topics.EVENTS_DLQ)) {
      acls.allow(
          "monitor",
          ResourceType.TOPIC,
          out,
          PatternType.LITERAL,
          AclOperation.WRITE,
          AclOperation.DESCRIBE);
    }
    // Closing the loop: only the monitor writes commands; trainers read them. The monitor's own
    // re-keying topics (crash-loop guard, job and host signals) are the monitor's alone.
    acls.allow(
        "monitor",
        ResourceType.TOPIC,
        Topics.CONTROL,
        PatternType.LITERAL,
        AclOperation.WRITE,
        AclOperation.DESCRIBE);
    acls.allow(
        "trainer",
        ResourceType.TOPIC,
        Topics.CONTROL,
        PatternType.LITERAL,
        AclOperation.READ,
        AclOperation.DESCRIBE);
    for (String internal : INTERNAL_TOPICS) {
      acls.allow(
          "monitor",
          ResourceType.TOPIC,
          internal,
          PatternType.LITERAL,
          AclOperation.READ,
          AclOperation.WRITE,
          AclOperation.DESCRIBE);
    }
    // Kafka Streams: its consumer group, its internal (changelog) topics and its transactional ids.
    acls.allow(
        "monitor",
        ResourceType.GROUP,
        APP_ID,
        PatternType.LITERAL,
        AclOperation.READ,
        AclOperation.DESCRIBE);
    acls.allow("monitor", ResourceType.TOPIC, APP_ID + "-", PatternType.PREFIXED, AclOperation.ALL);
    acls.allow(
        "monitor",
        ResourceType.TRANSACTIONAL_ID,
        APP_ID + "-",
        PatternType.PREFIXED,
        AclOperation.WRITE,
        AclOperation.DESCRIBE);
    acls.grantOn(broker);
  }

  private static ChildJvm train(
      EmbeddedKafkaBroker broker, Path clientConfig, String runId, Path log) {
    return ChildJvm.start(
        "trainer",
        CommandMain.class.getName(),
        List.of(
            "io.trainwatch.trainer.cli.TrainCommand",
            "--bootstrap-server",
            broker.bootstrapServers(),
            "--client-config",
            clientConfig.toString(),
            "--run-id",
            runId,
            "--fault",
            "softmax-into-nll",
            "--steps",
            "40"),
        log,
        true);
  }

  /** A {@code --client-config} file, as an operator writes it. */
  private static Path clientConfig(
      EmbeddedKafkaBroker broker, Path dir, String name, String user, String password)
      throws IOException {
    return Files.writeString(
        dir.resolve(name + ".properties"),
        broker.security().orElseThrow().clientProperties(user, password));
  }

  private static void publish(Map<String, Object> client, String topic) throws Exception {
    Map<String, Object> p = new HashMap<>(client);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer
          .send(new ProducerRecord<>(topic, "x".getBytes(), "{}".getBytes()))
          .get(15, TimeUnit.SECONDS);
    }
  }

  private static void readAlerts(Map<String, Object> client) {
    Map<String, Object> c = new HashMap<>(client);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      consumer.assign(List.of(new TopicPartition(Topics.ALERTS, 0)));
      consumer.seekToBeginning(List.of(new TopicPartition(Topics.ALERTS, 0)));
      // Polls until the broker refuses (the exception leaves await); a consumer that is let read
      // ends in a ConditionTimeoutException, which the caller's assertion reports.
      await("a refusal to read " + Topics.ALERTS)
          .atMost(Duration.ofSeconds(15))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200));
                return false;
              });
    }
  }

  /** The commands on trainwatch.control, as a trainer reads them: read_committed, no group. */
  private static List<ControlCommand> readCommands(Map<String, Object> client) {
    Map<String, Object> c = new HashMap<>(client);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ControlCommand> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> partitions =
          List.of(new TopicPartition(Topics.CONTROL, 0), new TopicPartition(Topics.CONTROL, 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      try {
        await("a command on " + Topics.CONTROL)
            .atMost(Duration.ofSeconds(15))
            .pollInSameThread()
            .pollDelay(Duration.ZERO)
            .until(
                () -> {
                  consumer
                      .poll(Duration.ofMillis(200))
                      .forEach(r -> out.add(ControlCodec.decode(r.value())));
                  return !out.isEmpty();
                });
      } catch (ConditionTimeoutException none) {
        // Nothing arrived: the caller's assertion says so with what was read (nothing).
      }
    }
    return out;
  }

  private static Map<String, Object> shortTimeouts(Map<String, Object> config) {
    Map<String, Object> c = new HashMap<>(config);
    c.put("request.timeout.ms", 5000);
    c.put("default.api.timeout.ms", 10000);
    c.put("reconnect.backoff.max.ms", 500);
    return c;
  }

  private static String lastLine(String output, String containing) {
    List<String> lines = output.lines().filter(l -> l.contains(containing)).toList();
    return lines.isEmpty() ? "(none)" : lines.get(lines.size() - 1).strip();
  }
}
