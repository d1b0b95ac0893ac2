package io.trainwatch.bridge;

import static io.trainwatch.bridge.KafkaFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.cli.ChildProcesses;
import io.trainwatch.schemas.Alert;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a bridge process with SIGKILL while PagerDuty is processing its resolve, before the bridge
 * hears back or commits anything, then restarts it: the trigger is redelivered from Kafka but must
 * not re-open the incident.
 */
class PagerDutyCrashIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void shouldNotRetriggerAfterAResolveWhenRestartedAfterACrash(@TempDir Path dir) throws Exception {
    String routingKey = PagerDutyBridgeIT.ROUTING_KEY;
    FakeApis.PagerDuty pagerDuty = new FakeApis.PagerDuty(routingKey);
    Path childLog = Path.of("target", "crash-it-bridge-process.log").toAbsolutePath();
    try (KafkaFixture kafka = new KafkaFixture(1);
        FakeHttpApi api = FakeHttpApi.start(pagerDuty::handle)) {
      Alert trigger = TestAlerts.firing("run-crash");
      Alert resolve = TestAlerts.resolved(trigger);
      // One transaction: both records reach the bridge in one poll, so it commits nothing before
      // the crash.
      kafka.send(trigger, resolve);

      Map<String, String> cfg = kafka.baseConfig();
      cfg.put("pagerduty.routing_key", routingKey);
      cfg.put("pagerduty.url", api.url("/v2/enqueue"));
      Path configFile = write(dir.resolve("pagerduty.properties"), cfg);
      // Static membership: the restarted bridge takes over the killed one's partitions at once.
      Map<String, String> client = Map.of("group.instance.id", "bridge-" + kafka.id);
      Path clientFile = write(dir.resolve("client.properties"), client);

      AtomicReference<Process> child = new AtomicReference<>();
      AtomicBoolean killed = new AtomicBoolean();
      api.onRequest(
          r -> {
            if (r.text().contains("\"resolve\"") && killed.compareAndSet(false, true)) {
              child
                  .get()
                  .destroyForcibly(); // SIGKILL: no shutdown hook, no commit, no ledger write for
              // the resolve
              try {
                child.get().waitFor(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          });
      child.set(
          ChildProcesses.register(
              new ProcessBuilder(
                      javaCommand(
                          "io.trainwatch.bridge.BridgeCommand",
                          "--to",
                          "pagerduty",
                          "--config",
                          configFile.toString(),
                          "--bootstrap-server",
                          kafka.broker.bootstrapServers(),
                          "--client-config",
                          clientFile.toString()))
                  .redirectErrorStream(true)
                  .redirectOutput(childLog.toFile())
                  .start()));
      try {
        await(
            WAIT,
            "the bridge process killed mid-resolve",
            () -> killed.get() && !child.get().isAlive());
      } finally {
        ChildProcesses.stop(child.get(), Duration.ofSeconds(10));
      }

      assertThat(api.requests())
          .extracting(r -> r.json().get("event_action").asText())
          .containsExactly("trigger", "resolve");
      assertThat(pagerDuty.incidentsOpened()).containsExactly(trigger.alertId());
      assertThat(pagerDuty.isOpen(trigger.alertId()))
          .as("PagerDuty processed the resolve")
          .isFalse();
      assertThat(kafka.committedOffset()).as("the crash came before any commit").isEqualTo(-1);

      Map<String, Object> props = new HashMap<>(kafka.kafkaProps());
      props.putAll(client);
      try (AlertBridge restarted =
          AlertBridge.create(BridgeConfig.parse(cfg, Map.of(), Destination.PAGERDUTY), props)
              .start()) {
        await(
            WAIT,
            "both records redelivered and finished",
            () ->
                restarted.stats().received() == 2
                    && restarted.stats().duplicates() + restarted.stats().delivered() == 2);
        await(WAIT, "offsets committed", () -> kafka.committedOffset() == 2);
        BridgeStats.Snapshot s = restarted.stats();
        System.out.printf("crash test, restarted bridge: %s%n", s);

        assertThat(s.duplicates()).as("the trigger, found in the ledger").isEqualTo(1);
        assertThat(s.delivered()).as("the resolve, sent again: at-least-once").isEqualTo(1);
      }
      List<String> actions =
          api.requests().stream().map(r -> r.json().get("event_action").asText()).toList();
      System.out.printf(
          "crash test, PagerDuty saw: %s; incidents opened: %d%n",
          actions, pagerDuty.incidentsOpened().size());
      assertThat(actions).containsExactly("trigger", "resolve", "resolve");
      assertThat(pagerDuty.incidentsOpened()).hasSize(1);
      assertThat(pagerDuty.triggersAfterResolve()).isEmpty();
      assertThat(Files.readString(childLog))
          .contains("delivered " + trigger.alertId() + " r1")
          .doesNotContain(routingKey);
    }
  }

  @Test
  void shouldCommitAndPrintItsCountsWhenStoppedWithSigterm(@TempDir Path dir) throws Exception {
    String routingKey = PagerDutyBridgeIT.ROUTING_KEY;
    FakeApis.PagerDuty pagerDuty = new FakeApis.PagerDuty(routingKey);
    Path out = dir.resolve("bridge.out");
    try (KafkaFixture kafka = new KafkaFixture(1);
        FakeHttpApi api = FakeHttpApi.start(pagerDuty::handle)) {
      Alert trigger = TestAlerts.firing("run-sigterm");
      kafka.send(trigger);
      Map<String, String> cfg = kafka.baseConfig();
      cfg.put("pagerduty.url", api.url("/v2/enqueue"));
      Path configFile = write(dir.resolve("pagerduty.properties"), cfg);
      ProcessBuilder pb =
          new ProcessBuilder(
                  javaCommand(
                      "io.trainwatch.bridge.BridgeCommand",
                      "--to",
                      "pagerduty",
                      "--config",
                      configFile.toString(),
                      "--bootstrap-server",
                      kafka.broker.bootstrapServers()))
              .redirectErrorStream(true)
              .redirectOutput(out.toFile());
      pb.environment().put("TRAINWATCH_PAGERDUTY_ROUTING_KEY", routingKey);
      Process p = ChildProcesses.register(pb.start());
      try {
        await(WAIT, "the trigger accepted", () -> api.accepted().size() == 1);

        p.destroy(); // SIGTERM: the shutdown hook stops the bridge, which commits what it finished

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        ChildProcesses.stop(p, Duration.ofSeconds(10));
      }
      assertThat(p.exitValue()).as("128 + SIGTERM, after the shutdown hook ran").isEqualTo(143);
      assertThat(Files.readString(out))
          .contains("bridge " + kafka.bridgeName + ": received=1 delivered=1 requests=1")
          .doesNotContain(routingKey);
      assertThat(kafka.committedOffset()).isEqualTo(1);
    }
  }

  private static Path write(Path file, Map<String, String> props) throws Exception {
    StringBuilder b = new StringBuilder();
    props.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return Files.writeString(file, b.toString());
  }

  private static List<String> javaCommand(String mainClass, String... args) {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                classpath.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator),
                mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
