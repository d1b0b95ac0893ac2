package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = BenchCommand.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int exit = cmd.execute(args);
    return new String[] {String.valueOf(exit), out.toString(), err.toString()};
  }

  @Test
  void shouldDescribeEverySectionInItsHelp() {
    String[] r = run("--help");

    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1])
        .contains(
            "Usage: bench",
            "--quick",
            "--only",
            "throughput",
            "latency",
            "trainer",
            "memory",
            "cost",
            "jmh");
  }

  @Test
  void shouldAnswerAnUnknownSectionWithAUsageLine() {
    String[] r = run("--only", "speed");

    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--only", "speed").doesNotContain("Exception");
  }

  @Test
  void shouldAnswerAnUnknownAppWithOneLine() {
    String[] r = run("--app", "nginx", "--only", "jmh");

    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("app 'nginx': not one of").doesNotContain("\tat ");
  }

  @Test
  void shouldRefuseAFleetWithFewerBatchesThanRuns() {
    String[] r = run("--runs", "100", "--batches", "10", "--only", "throughput");

    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("runs=100, batches=10");
  }
}
