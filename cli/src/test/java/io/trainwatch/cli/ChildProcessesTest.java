package io.trainwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs({OS.LINUX, OS.MAC})
class ChildProcessesTest {

  @Test
  void shouldStopAChildThatHeedsSigtermWithinTheGrace() throws Exception {
    Process p = ChildProcesses.register(new ProcessBuilder("sleep", "300").start());

    assertThat(ChildProcesses.stop(p, Duration.ofSeconds(30))).isTrue();
    assertThat(p.isAlive()).isFalse();
  }

  @Test
  void shouldKillAChildThatIgnoresSigtermAndWhatItStarted() throws Exception {
    // A shell that ignores SIGTERM, with a child of its own (as a Python job's rank processes).
    Process p =
        ChildProcesses.register(
            new ProcessBuilder("sh", "-c", "trap '' TERM; sleep 300 & sleep 300; wait").start());
    List<ProcessHandle> started = awaitDescendants(p, 2);

    assertThat(ChildProcesses.stop(p, Duration.ofMillis(500))).isFalse();
    assertThat(p.isAlive()).isFalse();
    for (ProcessHandle h : started) {
      h.onExit().get();
      assertThat(h.isAlive()).as("descendant %d", h.pid()).isFalse();
    }
  }

  private static List<ProcessHandle> awaitDescendants(Process p, int count) {
    return await("the shell's children")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> p.descendants().toList(), d -> d.size() >= count);
  }
}
