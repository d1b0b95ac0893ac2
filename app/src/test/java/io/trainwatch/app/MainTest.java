package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
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
      strings = {"demo", "broker", "monitor", "train", "alerts", "status", "evaluate", "bridge"})
  void shouldDescribeEverySubcommand(String name) {
    Run r = run(name, "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("Usage: trainwatch " + name);
  }

  @Test
  void shouldListTheBenchmarkSuiteThatRunsInAJvmOfItsOwn() {
    Run r = run("--help");

    assertThat(r.out()).containsPattern("bench\\s+Measures the monitor");
  }

  @Test
  void shouldPassEveryBenchArgumentToTheSuitesOwnJvm() {
    BenchEntry bench = new BenchEntry();
    CommandLine cmd = new CommandLine(bench);
    cmd.parseArgs("--quick", "--only", "trainer", "--help");

    List<String> command = bench.command("/x/trainwatch-bench.jar:/x/lib/*");

    assertThat(command.get(0)).endsWith("java");
    assertThat(command)
        .containsSubsequence("-cp", "/x/trainwatch-bench.jar:/x/lib/*", BenchEntry.MAIN_CLASS)
        .endsWith("--quick", "--only", "trainer", "--help");
  }

  @Test
  void shouldSayInOneLineWhereTheBenchmarkSuiteIsMissing() {
    String before = System.clearProperty(BenchEntry.CLASSPATH_PROPERTY);
    try {
      Run r = run("bench", "--quick");

      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err())
          .contains("bench: the benchmark suite is not on this installation")
          .doesNotContain("Exception");
    } finally {
      if (before != null) {
        System.setProperty(BenchEntry.CLASSPATH_PROPERTY, before);
      }
    }
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
