package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CI smoke test: {@code bench --quick} end to end on real brokers, the real monitor, real DL4J
 * training and a child JVM. It checks that every section produced figures, never how good they are:
 * timing is not asserted on a shared machine.
 */
class BenchQuickIT {

  @Test
  void shouldProduceEveryFigureOfTheReport(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("benchmarks.md");
    StringWriter out = new StringWriter();
    CommandLine cmd = BenchCommand.commandLine();
    cmd.setOut(new PrintWriter(out));

    int exit = cmd.execute("--quick", "--out", report.toString());

    assertThat(exit).as("exit code; output:%n%s", out).isZero();
    String md = Files.readString(report);
    assertThat(md)
        .contains(
            "Smoke-test sizes (`--quick`)",
            "## Machine",
            "## How to reproduce",
            "## Closing note",
            "## Where the time goes");
    assertThat(md)
        .containsPattern(
            "\\| 1\\. Monitor throughput ÷ raw consume \\| [0-9.]+× \\([0-9,]+ vs [0-9,]+")
        .containsPattern("\\| 2\\. Alert latency p99 \\(exactly-once\\) \\| [0-9,]+ ms")
        .containsPattern("\\| 3a\\. trainwatch listener overhead \\| [+-][0-9.]+%")
        .containsPattern("\\| 3b\\. StatsListener overhead ÷ trainwatch overhead \\| ([0-9.]+×|∞)")
        .containsPattern("\\| 4a\\. Serialized state per run \\| [0-9,]+ B median")
        .containsPattern("\\| 4b\\. Monitor heap with [0-9,]+ runs \\| [0-9,]+ MiB live")
        .containsPattern("\\| 16× \\| [0-9,]+ \\| [0-9,]+ \\(n=1\\) \\| [0-9,]+ \\(n=1\\)");
    assertThat(out.toString()).contains("report written to " + report);
  }
}
