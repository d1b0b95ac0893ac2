package io.trainwatch.reliability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code trainwatch monitor} ({@code MonitorCommand}) in a child JVM, as an operator runs it. */
final class MonitorProcess {

  private static final String MAIN = "io.trainwatch.monitor.MonitorCommand";

  /** What the command prints once Kafka Streams is running. */
  private static final String READY = "monitor running";

  private MonitorProcess() {}

  /**
   * Starts a monitor and waits until it is running; stops it if it does not get there (a test that
   * fails here leaves no monitor behind).
   *
   * @param clientConfig {@code --client-config} file, or {@code null}
   * @param config {@code --config} file, or {@code null}
   */
  static ChildJvm start(
      String name,
      String bootstrap,
      String applicationId,
      Path stateDir,
      Path config,
      Path clientConfig,
      Path log) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--bootstrap-server",
                bootstrap,
                "--application-id",
                applicationId,
                "--state-dir",
                stateDir.toString(),
                // A free port: several monitors (and other builds' tests) share the machine.
                "--http-port",
                "0"));
    if (config != null) {
      args.addAll(List.of("--config", config.toString()));
    }
    if (clientConfig != null) {
      args.addAll(List.of("--client-config", clientConfig.toString()));
    }
    ChildJvm jvm = ChildJvm.start(name, MAIN, args, log);
    jvm.awaitOutputOrStop(line -> line.startsWith(READY), Duration.ofSeconds(90));
    return jvm;
  }
}
