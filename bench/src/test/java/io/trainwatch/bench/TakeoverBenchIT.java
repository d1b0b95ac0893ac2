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
 * The takeover section at {@code --quick} size, end to end: real monitor processes on an embedded
 * broker, SIGKILL, SIGTERM and a failover. It checks behaviour only (every probe answered exactly
 * once, the figures reported), never how fast: timing is not asserted on a shared machine.
 */
class TakeoverBenchIT {

  @Test
  void shouldMeasureEveryTakeoverWithEveryProbeAnsweredOnce(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("benchmarks.md");
    StringWriter out = new StringWriter();
    CommandLine cmd = BenchCommand.commandLine();
    cmd.setOut(new PrintWriter(out));

    int exit = cmd.execute("--quick", "--only", "takeover", "--out", report.toString());

    assertThat(exit).as("exit code; output:%n%s", out).isZero();
    String md = Files.readString(report);
    assertThat(md)
        .contains("## 7. Takeover: restart and failover with 300 runs of state")
        .doesNotContain("Set-ups that did not complete")
        .containsPattern(
            "\\| 7a\\. Restart after SIGKILL on the same state, 300 runs \\| [0-9.]+ s")
        .containsPattern(
            "\\| 7b\\. Failover to a warm standby after SIGKILL, 300 runs \\| [0-9.]+ s");
    // Each of the three takeovers: one probe per partition, none missing, none twice.
    assertThat(md)
        .containsPattern("SIGKILL, restarted on the same state directory \\|.*\\| 0 / 0 of 6 \\|");
    assertThat(md)
        .containsPattern("SIGTERM, restarted on the same state directory \\|.*\\| 0 / 0 of 6 \\|");
    assertThat(md)
        .containsPattern(
            "SIGKILL of one of two instances, never restarted \\|.*\\| 0 / 0 of 6 \\|");
  }
}
