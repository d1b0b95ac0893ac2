package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BridgeCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void shouldPrintHelpWithOptionsAndConfigKeys() {
    int code = run(Map.of(), "--help");

    assertThat(code).isZero();
    assertThat(out.toString())
        .contains(
            "Usage: bridge",
            "--to=DEST",
            "--config=FILE",
            "--bootstrap-server=HOST:PORT",
            "--command-config=FILE",
            "--topic-prefix=PREFIX",
            "slack.webhook_url",
            "pagerduty.routing_key",
            "filter.min_severity");
  }

  @Test
  void shouldRequireTheBootstrapServerWithAUsageLine() {
    int code = run(Map.of(), "--to", "slack");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("Missing required option: '--bootstrap-server=HOST:PORT'")
        .contains("Usage: bridge");
  }

  @Test
  void shouldRefuseATopicPrefixKafkaCannotNameInOneLine() {
    int code =
        run(
            Map.of(),
            "--to",
            "slack",
            "--bootstrap-server",
            "localhost:9092",
            "--topic-prefix",
            "team a/");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith(
            "--topic-prefix=team a/: must be 1 to 200 of a-z A-Z 0-9 . _ - (the characters of a"
                + " topic name)");
  }

  @Test
  void shouldRefuseAnUnknownDestination() {
    int code = run(Map.of(), "--to", "email", "--bootstrap-server", "localhost:9092");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("Invalid value for option '--to'")
        .contains("'email': not one of slack, pagerduty, alertmanager, webhook");
  }

  @Test
  void shouldReportConfigErrorsByKeyWithoutSecrets(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("slack.properties");
    Files.writeString(
        f,
        "slack.webhook_url=https://hooks.slack.com/services/T1/B1/sekretsekretsekret1\n"
            + "retry.max_attempts=many\n");

    int code =
        run(
            Map.of(),
            "--to",
            "slack",
            "--config",
            f.toString(),
            "--bootstrap-server",
            "localhost:9092");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith(f + ": retry.max_attempts=many: must be an integer")
        .doesNotContain("sekret")
        .contains("Usage: bridge");
  }

  @Test
  void shouldNameTheMissingSecretAndItsEnvironmentVariable() {
    int code = run(Map.of(), "--to", "pagerduty", "--bootstrap-server", "localhost:9092");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith(
            "pagerduty.routing_key: required (in the config file or $TRAINWATCH_PAGERDUTY_ROUTING_KEY)");
  }

  private int run(Map<String, String> env, String... args) {
    CommandLine cl = new CommandLine(new BridgeCommand(env));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }
}
