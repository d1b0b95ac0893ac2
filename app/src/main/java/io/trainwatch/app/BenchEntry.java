package io.trainwatch.app;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code trainwatch bench}: runs the benchmark suite ({@code io.trainwatch.bench.BenchCommand}) in
 * a JVM of its own, on the bench module's classpath, so that the product's classpath carries
 * neither JMH nor the benchmarks' dependencies (DL4J's StatsListener, their Kafka and Streams
 * harnesses). Every argument, {@code --help} included, is the suite's.
 *
 * <p>The classpath comes from the system property {@value #CLASSPATH_PROPERTY}, which the {@code
 * ./trainwatch} launcher sets to the bench module's build ({@code bench/target}).
 */
@Command(
    name = "bench",
    description = {
      "Measures the monitor, the alert path and the trainer's overhead on an embedded Kafka broker and "
          + "writes docs/benchmarks.md; --quick is a smoke test.",
      "Runs the bench module in a JVM of its own: every option is the suite's "
          + "(./trainwatch bench --help lists them)."
    })
final class BenchEntry implements Callable<Integer> {

  /** The bench module's runtime classpath, as {@code java -cp} takes it. */
  static final String CLASSPATH_PROPERTY = "trainwatch.bench.classpath";

  static final String MAIN_CLASS = "io.trainwatch.bench.BenchCommand";

  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws IOException, InterruptedException {
    Process child =
        new ProcessBuilder(command(System.getProperty(CLASSPATH_PROPERTY))).inheritIO().start();
    Thread stopChild = new Thread(child::destroy, "bench-stop");
    Runtime.getRuntime().addShutdownHook(stopChild);
    try {
      return child.waitFor();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopChild);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs.
      }
    }
  }

  /**
   * The child JVM's command line: this JVM's java and options, the bench classpath, the suite's
   * arguments.
   */
  List<String> command(String classpath) {
    if (classpath == null || classpath.isBlank()) {
      throw new IllegalStateException(
          "the benchmark suite is not on this installation (system property "
              + CLASSPATH_PROPERTY
              + " unset): run it from a source checkout with ./trainwatch bench");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The same JVM options as this one (the launcher's heap size, TRAINWATCH_JAVA_OPTS).
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(classpath);
    command.add(MAIN_CLASS);
    command.addAll(args);
    return command;
  }
}
