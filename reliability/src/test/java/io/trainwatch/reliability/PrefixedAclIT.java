package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.trainwatch.broker.AclGrants;
import io.trainwatch.broker.BrokerSecurity;
import io.trainwatch.broker.BrokerSecurity.SaslMechanism;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shared cluster that grants a team one prefix: on a broker with SASL/SCRAM and ACLs, the
 * monitor, a webhook bridge and a trainer, each with its own principal and nothing but {@code
 * PREFIXED} ACLs on {@code team-a.} (topics, groups, transactional ids), run the whole path with
 * {@code --topic-prefix team-a.}: the trainer publishes, the monitor alerts, the bridge delivers to
 * a real HTTP server. No topic is created for them beforehand, and every topic and group they
 * create or join carries the prefix.
 */
class PrefixedAclIT {

  private static final String PREFIX = "team-a.";
  private static final String RUN_ID = "prefixed-run";

  private final String monitorPassword = "mon-" + UUID.randomUUID();
  private final String bridgePassword = "brg-" + UUID.randomUUID();
  private final String trainerPassword = "trn-" + UUID.randomUUID();

  @Test
  void shouldRunTheWholePathUnderPrefixedAclsOnly(@TempDir Path tmp) throws Exception {
    BrokerSecurity security =
        BrokerSecurity.sasl(
                SaslMechanism.SCRAM_SHA_256,
                Map.of(
                    "monitor", monitorPassword,
                    "bridge", bridgePassword,
                    "trainer", trainerPassword))
            .withAcls();
    Path logs = ChildJvm.logDir("prefixed-acls");
    List<String> received = new CopyOnWriteArrayList<>();
    HttpServer webhook =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    webhook.createContext(
        "/hook",
        exchange -> {
          try (InputStream body = exchange.getRequestBody()) {
            received.add(new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    webhook.start();
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults().withSecurity(security))) {
      grantThePrefixOnly(broker);
      Path bridgeConfig =
          Files.writeString(
              tmp.resolve("bridge.properties"),
              String.join(
                  "\n",
                  "bridge.to=webhook",
                  "webhook.url=http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook",
                  // The alert may be raised before the bridge's group exists.
                  "bridge.start_from=earliest",
                  ""));

      ChildJvm monitor =
          ChildJvm.start(
              "monitor",
              "io.trainwatch.monitor.MonitorCommand",
              List.of(
                  "--bootstrap-server",
                  broker.bootstrapServers(),
                  "--state-dir",
                  tmp.resolve("state").toString(),
                  "--command-config",
                  clientConfig(security, tmp, "monitor", monitorPassword).toString(),
                  "--topic-prefix",
                  PREFIX,
                  "--http-port",
                  "0"),
              logs.resolve("monitor.log"));
      ChildJvm bridge = null;
      ChildJvm trainer = null;
      try {
        monitor.awaitOutput(l -> l.startsWith("monitor running"), Duration.ofSeconds(120));
        bridge =
            ChildJvm.start(
                "bridge",
                "io.trainwatch.bridge.BridgeCommand",
                List.of(
                    "--bootstrap-server",
                    broker.bootstrapServers(),
                    "--config",
                    bridgeConfig.toString(),
                    "--command-config",
                    clientConfig(security, tmp, "bridge", bridgePassword).toString(),
                    "--topic-prefix",
                    PREFIX,
                    "--http-port",
                    "0"),
                logs.resolve("bridge.log"));
        trainer =
            ChildJvm.start(
                "trainer",
                CommandMain.class.getName(),
                List.of(
                    "io.trainwatch.trainer.cli.TrainCommand",
                    "--bootstrap-server",
                    broker.bootstrapServers(),
                    "--command-config",
                    clientConfig(security, tmp, "trainer", trainerPassword).toString(),
                    "--topic-prefix",
                    PREFIX,
                    "--run-id",
                    RUN_ID,
                    "--fault",
                    "softmax-into-nll",
                    "--steps",
                    "40"),
                logs.resolve("trainer.log"),
                true);
        assertThat(trainer.waitFor(Duration.ofSeconds(180))).as("trainer finished").isTrue();
        assertThat(trainer.stop(Duration.ofSeconds(1))).as("trainer's exit status").isZero();
        assertThat(trainer.output()).contains("publishing to " + PREFIX + "trainwatch.events");

        ChildJvm running = bridge;
        await("the negative_loss alert of " + RUN_ID + " at the webhook")
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(250))
            .failFast("the bridge stopped", () -> !running.isAlive())
            .until(() -> delivered(received).stream().anyMatch(PrefixedAclIT::isTheAlert));
      } finally {
        if (bridge != null) {
          bridge.stop(Duration.ofSeconds(30));
        }
        if (trainer != null) {
          trainer.stop(Duration.ofSeconds(1));
        }
        monitor.stop(Duration.ofSeconds(30));
        webhook.stop(0);
      }

      Set<String> topics;
      List<String> groups = new ArrayList<>();
      try (Admin admin = Admin.create(broker.adminClientConfig())) {
        topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        for (GroupListing g : admin.listGroups().all().get(30, TimeUnit.SECONDS)) {
          groups.add(g.groupId());
        }
      }
      System.out.printf(
          "prefixed ACLs: %d alert(s) delivered to the webhook; topics %s; groups %s%n",
          received.size(), new java.util.TreeSet<>(topics), groups);
      assertThat(topics)
          .as("every topic the roles created")
          .allMatch(t -> t.startsWith(PREFIX))
          .contains(
              PREFIX + "trainwatch.events",
              PREFIX + "trainwatch.alerts",
              PREFIX + "trainwatch.alerts.active",
              PREFIX + "trainwatch.control",
              PREFIX + "trainwatch.bridge.webhook.state",
              PREFIX + "trainwatch.alerts.bridge-dlq");
      assertThat(groups)
          .as("every consumer group")
          .allMatch(g -> g.startsWith(PREFIX))
          .contains(PREFIX + "trainwatch-monitor", PREFIX + "trainwatch-bridge-webhook");
      for (String out :
          List.of(
              Files.readString(logs.resolve("monitor.log")),
              Files.readString(logs.resolve("bridge.log")),
              Files.readString(logs.resolve("trainer.log")))) {
        assertThat(out).doesNotContain(monitorPassword, bridgePassword, trainerPassword);
        assertThat(out).as("no role was refused").doesNotContain("AuthorizationException");
      }
    }
  }

  private static boolean isTheAlert(Alert a) {
    return a.runId().equals(RUN_ID) && a.rule().equals("negative_loss") && a.firing();
  }

  private static List<Alert> delivered(List<String> bodies) {
    return bodies.stream().map(b -> AlertCodec.decode(b.getBytes())).toList();
  }

  /**
   * Each principal gets its operations on the resources whose names start with the prefix, and
   * nothing else: no literal name, no cluster-wide right.
   */
  private static void grantThePrefixOnly(EmbeddedKafkaBroker broker) throws Exception {
    AclGrants acls = new AclGrants();
    // The trainer publishes events (idempotently: WRITE on the topic is enough since Kafka 3.0).
    acls.allow(
        "trainer",
        ResourceType.TOPIC,
        PREFIX,
        PatternType.PREFIXED,
        AclOperation.WRITE,
        AclOperation.DESCRIBE);
    // The monitor creates its topics, reads events, writes alerts, commands and its own re-keying
    // and changelog topics (Kafka Streams also purges repartition topics: DELETE), in
    // transactions, in its group.
    acls.allow("monitor", ResourceType.TOPIC, PREFIX, PatternType.PREFIXED, AclOperation.ALL);
    acls.allow(
        "monitor",
        ResourceType.GROUP,
        PREFIX,
        PatternType.PREFIXED,
        AclOperation.READ,
        AclOperation.DESCRIBE);
    acls.allow(
        "monitor",
        ResourceType.TRANSACTIONAL_ID,
        PREFIX,
        PatternType.PREFIXED,
        AclOperation.WRITE,
        AclOperation.DESCRIBE);
    // The bridge creates its state and dead-letter topics, reads alerts and the active alerts,
    // writes its state and dead letters, in its group.
    acls.allow(
        "bridge",
        ResourceType.TOPIC,
        PREFIX,
        PatternType.PREFIXED,
        AclOperation.READ,
        AclOperation.WRITE,
        AclOperation.DESCRIBE,
        AclOperation.CREATE);
    acls.allow(
        "bridge",
        ResourceType.GROUP,
        PREFIX,
        PatternType.PREFIXED,
        AclOperation.READ,
        AclOperation.DESCRIBE);
    acls.grantOn(broker);
  }

  /** A {@code --command-config} file, as an operator writes it. */
  private static Path clientConfig(BrokerSecurity security, Path dir, String user, String password)
      throws IOException {
    return Files.writeString(
        dir.resolve(user + "-client.properties"), security.clientProperties(user, password));
  }
}
