package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class MainTest {

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"demo", "broker", "monitor", "train", "alerts", "evaluate", "bridge", "bench"})
  void shouldDescribeEverySubcommand(String name) {
    Run r = run(name, "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("Usage: trainwatch " + name);
  }

  @Test
  void shouldAnswerABadFlagWithAUsageLineNotAStackTrace() {
    Run r = run("demo", "--steps", "many");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("Invalid value for option '--steps'")
        .contains("Usage: trainwatch demo")
        .doesNotContain("Exception");
  }

  @Test
  void shouldNameAMissingRequiredOption() {
    Run r = run("alerts");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--bootstrap-server=HOST:PORT'");
  }

  @Test
  void shouldRejectAnUnknownCommand() {
    Run r = run("frobnicate");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument at index 0: 'frobnicate'");
  }

  @Test
  void shouldReportAnInvalidValueFromTheCommandItselfInOneLine() {
    Run r = run("demo", "--steps", "3");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("demo: --steps=3: must be >= 20")
        .contains("Try 'trainwatch demo --help'")
        .doesNotContain("Exception");
  }
}
