package io.trainwatch.bench;

import io.trainwatch.cli.ChildProcesses;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code trainwatch monitor} ({@code MonitorCommand}) in a child JVM, as an operator runs it, that
 * the takeover benchmark can SIGKILL. Its output goes to a log file, each line stamped with the
 * wall-clock time the benchmark read it; the benchmark notes when the process was spawned, when it
 * said it was running, and what its stream threads restored from the changelogs.
 */
final class MonitorChild implements AutoCloseable {

  private static final String MAIN = "io.trainwatch.monitor.MonitorCommand";

  /** What the command prints once Kafka Streams is running. */
  static final String READY = "monitor running";

  /** Kafka Streams' INFO line at the end of one changelog partition's restore. */
  static final Pattern RESTORED =
      Pattern.compile(
          "Finished restoring changelog (\\S+) to store (\\S+) with a total number of (\\d+)"
              + " records");

  /**
   * Kafka Streams' WARN line when the stream thread closes corrupted tasks dirty and wipes their
   * local state (EOS, a store without a valid committed offset). Not the "did not find checkpoint
   * offsets ... wipe out" line: the start-up pass that reads the stores' offsets logs it too, and
   * wipes nothing.
   */
  static final Pattern WIPED =
      Pattern.compile("Detected the states of tasks \\[([^\\]]*)\\] are corrupted");

  /** Environment variable with extra JVM options for every monitor child. */
  static final String CHILD_OPTS_ENV = "TRAINWATCH_TAKEOVER_CHILD_OPTS";

  private static final Pattern DL4J_JARS =
      Pattern.compile(
          // In the Maven repository (a run from the IDE or mvn exec) or copied to bench/target/lib.
          "/org/(deeplearning4j|nd4j|bytedeco)/|/(deeplearning4j|nd4j|javacpp|openblas)-[^/]*\\.jar$");

  private final String name;
  private final Process process;
  private final long spawnedNanos;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread pump;
  private final List<Restore> restores = new ArrayList<>();
  private volatile long readyNanos;
  private int wipes;

  /**
   * One changelog partition restored.
   *
   * @param atNanos when the benchmark read the line ({@link System#nanoTime})
   */
  record Restore(String changelog, long records, long atNanos) {}

  private MonitorChild(String name, Process process, long spawnedNanos, Path log) {
    this.name = name;
    this.process = process;
    this.spawnedNanos = spawnedNanos;
    this.pump = new Thread(() -> pump(log), "monitor-child-" + name);
    this.pump.setDaemon(true);
    this.pump.start();
  }

  /**
   * Spawns a monitor; returns at once (see {@link #awaitRunning}).
   *
   * @param config the {@code --config} file (monitor.* keys)
   * @param clientConfig the {@code --client-config} file (Kafka client settings)
   * @param log file that receives the child's output (appended: a restarted child keeps one log)
   * @param heap the child's {@code -Xmx}
   */
  static MonitorChild start(
      String name,
      String bootstrap,
      String applicationId,
      Path stateDir,
      Path config,
      Path clientConfig,
      Path log,
      String heap) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xms256m");
    command.add("-Xmx" + heap);
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
    command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn");
    // The restore of each changelog partition, and a wiped task, are what the figures explain.
    command.add(
        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals"
            + ".StoreChangelogReader=info");
    // Where each store's restore starts (its committed offset, or none) and which tasks were
    // found corrupted and wiped: what explains a restore after a crash.
    command.add(
        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals"
            + ".ProcessorStateManager=info");
    command.add(
        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals"
            + ".DefaultStateUpdater=info");
    // Extra JVM options for the children, e.g. a flight recording of a restart
    // (-XX:StartFlightRecording=filename=...): TRAINWATCH_TAKEOVER_CHILD_OPTS, split at spaces.
    String extra = System.getenv(CHILD_OPTS_ENV);
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.strip().split("\\s+")));
    }
    command.add("-cp");
    command.add(classpath());
    command.add(MAIN);
    command.addAll(
        List.of(
            "--bootstrap-server",
            bootstrap,
            "--application-id",
            applicationId,
            "--state-dir",
            stateDir.toString(),
            "--http-port",
            "0",
            "--config",
            config.toString(),
            "--client-config",
            clientConfig.toString()));
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Files.writeString(
          log,
          LocalTime.now() + " === " + name + " starting: " + String.join(" ", command) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      long spawned = System.nanoTime();
      Process p =
          ChildProcesses.register(new ProcessBuilder(command).redirectErrorStream(true).start());
      return new MonitorChild(name, p, spawned, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** The benchmark's classpath without DL4J and its natives: a monitor never has them. */
  static String classpath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !DL4J_JARS.matcher(entry.replace('\\', '/')).find())
        .collect(Collectors.joining(File.pathSeparator));
  }

  private void pump(Path log) {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out =
            new PrintWriter(
                Files.newBufferedWriter(
                    log,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND))) {
      for (String line; (line = in.readLine()) != null; ) {
        long now = System.nanoTime();
        out.println(LocalTime.now() + " " + line);
        out.flush();
        if (line.startsWith(READY)) {
          readyNanos = now;
          ready.countDown();
        }
        Matcher m = RESTORED.matcher(line);
        if (m.find()) {
          synchronized (restores) {
            restores.add(new Restore(m.group(1), Long.parseLong(m.group(3)), now));
          }
        }
        Matcher w = WIPED.matcher(line);
        if (w.find()) {
          synchronized (restores) {
            wipes += w.group(1).isBlank() ? 0 : w.group(1).split(",").length;
          }
        }
      }
    } catch (IOException e) {
      // The process is gone or the log cannot be written: nothing more to read.
    } finally {
      ready.countDown();
    }
  }

  /**
   * Waits until the monitor says it is running.
   *
   * @throws IllegalStateException if it exits first or does not get there in time
   */
  void awaitRunning(Duration timeout) {
    try {
      if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " not running after " + timeout.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (readyNanos == 0) {
      throw new IllegalStateException(
          name + " exited before it was running (exit " + exitCode() + ")");
    }
  }

  private String exitCode() {
    return process.isAlive() ? "none yet" : String.valueOf(process.exitValue());
  }

  /**
   * CPU time (user and system) the process used so far, in milliseconds, from {@code
   * /proc/<pid>/stat}; NaN where that cannot be read (not Linux, or the process is gone). Unlike
   * wall-clock times it barely depends on what else runs on the machine.
   */
  double cpuMillis() {
    try {
      String stat =
          Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat")).strip();
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * 1000.0 / CLOCK_TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** Linux's USER_HZ, the unit of {@code /proc/<pid>/stat}'s times (100 on every usual kernel). */
  private static final int CLOCK_TICKS_PER_SECOND = 100;

  /** {@link System#nanoTime} when the process was spawned. */
  long spawnedNanos() {
    return spawnedNanos;
  }

  /** {@link System#nanoTime} when it printed that it was running, or 0. */
  long readyNanos() {
    return readyNanos;
  }

  /** The changelog partitions it restored so far. */
  List<Restore> restores() {
    synchronized (restores) {
      return List.copyOf(restores);
    }
  }

  /** Tasks whose local state it wiped so far (restored from the changelog from scratch). */
  int wipes() {
    synchronized (restores) {
      return wipes;
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no commit, no leave-group; returns once the process is gone. */
  void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  /** SIGTERM (the monitor closes and leaves its group); SIGKILL after {@code grace}. */
  boolean stop(Duration grace) {
    process.destroy();
    if (waitFor(grace)) {
      return true;
    }
    kill();
    return false;
  }

  private boolean waitFor(Duration timeout) {
    try {
      boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (done) {
        pump.join(5_000);
      }
      return done;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop(Duration.ofSeconds(30));
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
