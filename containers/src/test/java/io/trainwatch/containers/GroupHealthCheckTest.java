package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupHealthCheckTest {

  private static Optional<GroupListing> group(GroupState state) {
    return Optional.of(
        new GroupListing(
            "trainwatch-monitor", Optional.of(GroupType.CLASSIC), "consumer", Optional.of(state)));
  }

  @Test
  void shouldBeHealthyOnlyWhileTheGroupIsStable() {
    assertThat(GroupHealthCheck.verdict("trainwatch-monitor", group(GroupState.STABLE)))
        .isEqualTo("healthy: group trainwatch-monitor is Stable");
    assertThat(
            GroupHealthCheck.verdict("trainwatch-monitor", group(GroupState.PREPARING_REBALANCE)))
        .isEqualTo("unhealthy: group trainwatch-monitor is PreparingRebalance");
    assertThat(GroupHealthCheck.verdict("trainwatch-monitor", group(GroupState.EMPTY)))
        .isEqualTo("unhealthy: group trainwatch-monitor is Empty");
    assertThat(GroupHealthCheck.verdict("trainwatch-monitor", Optional.empty()))
        .isEqualTo("unhealthy: group trainwatch-monitor does not exist (yet)");
  }

  @Test
  void shouldReachKafkaThroughTheRolesOwnVariables(@TempDir Path dir) throws Exception {
    Path clientConfig = dir.resolve("client.properties");
    Files.writeString(clientConfig, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n");

    Properties props =
        GroupHealthCheck.clientProperties(
            Map.of(
                "TRAINWATCH_BOOTSTRAP_SERVER",
                "localhost:19092",
                "TRAINWATCH_CLIENT_CONFIG",
                clientConfig.toString()));

    assertThat(props)
        .containsEntry("bootstrap.servers", "localhost:19092")
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("sasl.mechanism", "PLAIN");
  }

  @Test
  void shouldExplainAMissingBootstrapServerOrClientConfig() {
    assertThatThrownBy(() -> GroupHealthCheck.clientProperties(Map.of()))
        .hasMessage("TRAINWATCH_BOOTSTRAP_SERVER is not set");
    assertThatThrownBy(
            () ->
                GroupHealthCheck.clientProperties(
                    Map.of(
                        "TRAINWATCH_BOOTSTRAP_SERVER",
                        "localhost:9092",
                        "TRAINWATCH_CLIENT_CONFIG",
                        "/nonexistent/client.properties")))
        .hasMessageStartingWith("--command-config /nonexistent/client.properties: cannot read");
  }

  @Test
  void shouldPrintItsUsageWithoutAGroup() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int status =
        GroupHealthCheck.check(
            new String[0], Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(status).isEqualTo(2);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .startsWith("usage: GroupHealthCheck <group id>");
  }
}
