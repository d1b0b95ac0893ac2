package io.trainwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MonitorCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void shouldPrintUsageNotAStackTraceForAMissingFlag() {
    int code = run();

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("Missing required option: '--bootstrap-server=HOST:PORT'")
        .contains("Usage: monitor")
        .doesNotContain("Exception");
  }

  @Test
  void shouldPrintUsageForAnUnknownFlag() {
    int code = run("--bootstrap-server", "localhost:9092", "--partitions", "3");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("Unknown options: '--partitions', '3'")
        .contains("Usage: monitor");
  }

  @Test
  void shouldNameTheBadKeyOfAConfigFileBeforeConnecting(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("monitor.properties");
    Files.writeString(config, "rules.negative_loss.for_batches=0\n");

    // Port 9 (discard) is never a broker: the command must fail on the file before trying to
    // connect.
    int code = run("--bootstrap-server", "localhost:9", "--config", config.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "monitor: rules.negative_loss.for_batches=0: must be >= 1"
                + System.lineSeparator()
                + "Try 'monitor --help' for more information."
                + System.lineSeparator());
  }

  @Test
  void shouldNameAnUnreadableClientConfig(@TempDir Path dir) {
    Path missing = dir.resolve("client.properties");

    int code = run("--bootstrap-server", "localhost:9", "--client-config", missing.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).startsWith("monitor: --command-config " + missing + ": cannot read");
  }

  @Test
  void shouldDocumentEveryFlagInHelp() {
    int code = run("--help");

    assertThat(code).isZero();
    assertThat(out.toString())
        .contains(
            "--bootstrap-server=HOST:PORT",
            "--state-dir=DIR",
            "--config=FILE",
            "--command-config=FILE",
            "--application-id=ID",
            "trainwatch-monitor).",
            "--help");
  }

  private int run(String... args) {
    CommandLine cmd = new CommandLine(new MonitorCommand());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }
}
