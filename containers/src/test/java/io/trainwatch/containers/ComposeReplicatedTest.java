package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.replicated.yml, checked without a Docker engine: both files parse, and {@code
 * docker-compose config} (which validates and merges the files and needs no engine) gives three
 * KRaft nodes of one cluster and quorum, replication factor 3 and {@code min.insync.replicas=2}
 * everywhere, and every trainwatch service pointed at all three brokers. Running the stack is
 * ComposeStackIT's kind of test, and needs an engine.
 */
class ComposeReplicatedTest {

  private static final Path PROJECT = Path.of("..");
  private static final Path BASE = PROJECT.resolve("docker-compose.yml");
  private static final Path OVERRIDE = PROJECT.resolve("docker-compose.replicated.yml");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern BUILD_CONTEXT = Pattern.compile("(?m)^\\s*context:\\s*(\\S+)\\s*$");
  private static final List<String> BROKERS = List.of("kafka", "kafka-2", "kafka-3");

  @Test
  void shouldParseAndNameTheMonitorSettingsItMounts() throws IOException {
    JsonNode override = YAML.readTree(OVERRIDE.toFile());
    assertThat(fieldNames(override.path("services"))).containsAll(BROKERS).contains("monitor");
    YAML.readTree(BASE.toFile());

    Properties monitor = new Properties();
    monitor.load(
        new StringReader(
            Files.readString(PROJECT.resolve("docker/replicated/monitor.properties"))));
    assertThat(monitor)
        .containsEntry("monitor.topics.replication_factor", "3")
        .containsEntry("monitor.topics.min_insync_replicas", "2");
  }

  @Test
  void shouldMergeIntoAThreeNodeClusterWithReplicationThreeAndMinIsrTwo() throws Exception {
    JsonNode services = mergedConfig().path("services");

    Set<String> nodeIds = new HashSet<>();
    Set<String> clusterIds = new HashSet<>();
    Set<String> voters = new HashSet<>();
    List<String> clientPorts = new ArrayList<>();
    Set<String> allPorts = new HashSet<>();
    for (String broker : BROKERS) {
      JsonNode env = services.path(broker).path("environment");
      assertThat(env.isMissingNode()).as(broker + " is a service").isFalse();
      assertThat(text(env, "KAFKA_PROCESS_ROLES")).as(broker).isEqualTo("broker,controller");
      nodeIds.add(text(env, "KAFKA_NODE_ID"));
      clusterIds.add(text(env, "CLUSTER_ID"));
      voters.add(text(env, "KAFKA_CONTROLLER_QUORUM_VOTERS"));
      for (String setting :
          List.of(
              "KAFKA_DEFAULT_REPLICATION_FACTOR",
              "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
              "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")) {
        assertThat(text(env, setting)).as(broker + " " + setting).isEqualTo("3");
      }
      assertThat(text(env, "KAFKA_MIN_INSYNC_REPLICAS")).as(broker).isEqualTo("2");
      assertThat(text(env, "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")).as(broker).isEqualTo("2");
      String listeners = text(env, "KAFKA_LISTENERS");
      String client = portOf(listeners, "PLAINTEXT");
      String controller = portOf(listeners, "CONTROLLER");
      clientPorts.add(client);
      assertThat(allPorts.add(client) && allPorts.add(controller))
          .as(broker + ": ports used once on the host network")
          .isTrue();
      assertThat(text(env, "KAFKA_ADVERTISED_LISTENERS"))
          .isEqualTo("PLAINTEXT://localhost:" + client);
      assertThat(voters.iterator().next())
          .as(broker + " is a voter on its controller port")
          .contains(text(env, "KAFKA_NODE_ID") + "@localhost:" + controller);
    }
    assertThat(nodeIds).containsExactlyInAnyOrder("1", "2", "3");
    assertThat(clusterIds).as("one cluster id").hasSize(1);
    assertThat(voters).as("one quorum").hasSize(1);

    String bootstrap = String.join(",", clientPorts.stream().map(p -> "localhost:" + p).toList());
    for (String service :
        List.of(
            "monitor",
            "alerts",
            "trainer-healthy",
            "trainer-softmax-into-nll",
            "trainer-unnormalized-input",
            "trainer-diverge")) {
      assertThat(text(services.path(service).path("environment"), "TRAINWATCH_BOOTSTRAP_SERVER"))
          .as(service + " knows every broker")
          .isEqualTo(bootstrap);
    }
    JsonNode monitor = services.path("monitor");
    assertThat(fieldNames(monitor.path("depends_on"))).containsAll(BROKERS);
    String config = text(monitor.path("environment"), "TRAINWATCH_CONFIG");
    assertThat(monitor.path("volumes").toString())
        .contains("docker/replicated/monitor.properties:" + config + ":ro");
  }

  /** {@code docker-compose config} of both files, with the defaults of every variable. */
  private static JsonNode mergedConfig() throws Exception {
    List<String> compose = ComposeCli.detect().orElse(null);
    if (compose == null) {
      String reason = "neither `docker compose` nor `docker-compose` is installed";
      System.out.println("SKIPPED " + ComposeReplicatedTest.class.getSimpleName() + ": " + reason);
      Assumptions.abort(reason);
    }
    // compose checks that every build context exists; on a fresh clone the contexts
    // (containers/target/roles/<role>, written by `package`) do not exist yet at test time. The
    // files are merged in a scratch copy of the project that has them as empty directories.
    Path project = Files.createTempDirectory("compose-replicated");
    Path base = Files.copy(BASE, project.resolve(BASE.getFileName()));
    Path override = Files.copy(OVERRIDE, project.resolve(OVERRIDE.getFileName()));
    for (Path file : List.of(base, override)) {
      Matcher context = BUILD_CONTEXT.matcher(Files.readString(file));
      while (context.find()) {
        Files.createDirectories(project.resolve(context.group(1)));
      }
    }
    List<String> command = new ArrayList<>(compose);
    command.addAll(List.of("-f", base.toString(), "-f", override.toString(), "config"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
    // Every variable at its default: none of the file's variables from this environment.
    pb.environment().keySet().removeIf(k -> k.startsWith("TRAINWATCH_") || k.startsWith("KAFKA_"));
    pb.environment().remove("BASE_IMAGE");
    Path err = Files.createTempFile("compose-config", ".err");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    byte[] out;
    try {
      out = p.getInputStream().readAllBytes();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).as("compose config: " + Files.readString(err)).isZero();
    Files.deleteIfExists(err);
    return YAML.readTree(out);
  }

  private static String text(JsonNode env, String key) {
    JsonNode v = env.path(key);
    assertThat(v.isMissingNode()).as(key + " is set").isFalse();
    return v.asText();
  }

  private static String portOf(String listeners, String name) {
    for (String l : listeners.split(",")) {
      if (l.startsWith(name + "://")) {
        return l.substring(l.lastIndexOf(':') + 1);
      }
    }
    throw new AssertionError("no " + name + " listener in " + listeners);
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> out = new java.util.TreeSet<>();
    node.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
