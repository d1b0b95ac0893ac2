package io.trainwatch.reliability;

import io.trainwatch.cli.ChildProcesses;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A main class run in a separate JVM on the test's own classpath, its output captured in a file:
 * how the tests run a monitor that they can kill with SIGKILL, as an operator's {@code kill -9} or
 * the OOM killer would. Every child is {@link ChildProcesses#register registered}: one still
 * running when the test JVM exits (a test failed before it stopped it) is stopped then.
 */
final class ChildJvm implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path output;

  private ChildJvm(String name, Process process, Path output) {
    this.name = name;
    this.process = process;
    this.output = output;
  }

  /**
   * Starts {@code mainClass} with {@code args}.
   *
   * @param output file that receives stdout and stderr (appended: a restarted child keeps one log)
   */
  static ChildJvm start(
      String name, String mainClass, List<String> args, Path output, String... jvmOptions) {
    return start(name, mainClass, args, output, false, jvmOptions);
  }

  /**
   * Starts {@code mainClass} with {@code args}, with DL4J on the classpath if {@code withDl4j} (a
   * trainer).
   *
   * @param output file that receives stdout and stderr (appended: a restarted child keeps one log)
   */
  static ChildJvm start(
      String name,
      String mainClass,
      List<String> args,
      Path output,
      boolean withDl4j,
      String... jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Small and quick to start: the tests run on two cores next to a broker.
    command.add("-Xmx384m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
    command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn");
    command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    command.addAll(List.of(jvmOptions));
    command.add("-cp");
    command.add(withDl4j ? rawTestClasspath() : testClasspath());
    command.add(mainClass);
    command.addAll(args);
    try {
      Files.createDirectories(output.toAbsolutePath().getParent());
      Files.writeString(
          output,
          "=== " + name + " starting: " + mainClass + " " + String.join(" ", args) + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      Process p =
          ChildProcesses.register(
              new ProcessBuilder(command)
                  .redirectErrorStream(true)
                  .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                  .start());
      return new ChildJvm(name, p, output);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /**
   * The classpath of the running tests, which holds every module the children need, minus DL4J and
   * its native libraries: a monitor never has them (and starts faster without them).
   */
  static String testClasspath() {
    return Arrays.stream(rawTestClasspath().split(File.pathSeparator))
        .filter(entry -> !DL4J_JARS.matcher(entry.replace('\\', '/')).find())
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static String rawTestClasspath() {
    // Surefire and failsafe pass the real classpath here; java.class.path may be a manifest-only
    // jar.
    String cp = System.getProperty("surefire.test.class.path");
    return cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp;
  }

  private static final Pattern DL4J_JARS = Pattern.compile("/org/(deeplearning4j|nd4j|bytedeco)/");

  /**
   * A directory for the logs of one test's children, kept after the run: {@code
   * target/it-logs/<name>}.
   */
  static Path logDir(String name) {
    Path dir = Path.of("target", "it-logs", name);
    try {
      Files.createDirectories(dir);
      try (var old = Files.list(dir)) {
        for (Path p : old.toList()) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL on Linux: no shutdown hook, no flush, no transaction commit or abort. */
  void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(10));
  }

  /**
   * SIGTERM, as {@code kill} or Ctrl-C: shutdown hooks run. Returns the exit code, or -1 if it had
   * to be killed.
   */
  int stop(Duration grace) {
    process.destroy();
    if (waitFor(grace)) {
      return process.exitValue();
    }
    kill();
    return -1;
  }

  boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Everything the child (and its earlier incarnations sharing the file) wrote so far. */
  String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until a line of the output matches, failing early if the child dies.
   *
   * @throws AssertionError with the output's tail if the line does not come in time
   */
  void awaitOutput(Predicate<String> line, Duration timeout) {
    try {
      Awaitility.await()
          .atMost(timeout)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (output().lines().anyMatch(line)) {
                  return true;
                }
                if (!process.isAlive()) {
                  throw new AssertionError(
                      name
                          + " exited with "
                          + process.exitValue()
                          + " before the expected output:\n"
                          + tail(40));
                }
                return false;
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          name + ": expected output did not appear within " + timeout + ":\n" + tail(40));
    }
  }

  /**
   * Waits as {@link #awaitOutput} does, and stops the child (SIGTERM, then SIGKILL) if the line
   * does not come: for a child that is of no use until it says it is ready.
   */
  void awaitOutputOrStop(Predicate<String> line, Duration timeout) {
    try {
      awaitOutput(line, timeout);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  String tail(int lines) {
    List<String> all = output().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop(Duration.ofSeconds(10));
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + (process.isAlive() ? process.pid() : "exited") + ")";
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
