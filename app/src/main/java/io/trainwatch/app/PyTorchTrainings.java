package io.trainwatch.app;

import io.trainwatch.cli.ChildProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Real PyTorch trainings in a Python process: {@code python3 -m trainwatch.demo} from the Python
 * client ({@code clients/python}), publishing to Kafka with the client. For {@code ./trainwatch
 * demo --pytorch} and the end-to-end tests.
 *
 * <p>The interpreter is {@code $TRAINWATCH_PYTHON}, else Debian's {@code /usr/bin/python3} (where
 * {@code apt-get install python3-torch} puts PyTorch), else {@code python3} on the PATH. The client
 * is found under {@code -Dtrainwatch.home} (the launcher sets it), {@code $TRAINWATCH_HOME}, or the
 * working directory and its parent.
 */
public final class PyTorchTrainings {

  /** A finished Python process: its exit code and every line it printed. */
  public record Result(int exitCode, List<String> output) {}

  private final String python;
  private final Path clientDir;

  private PyTorchTrainings(String python, Path clientDir) {
    this.python = python;
    this.clientDir = clientDir;
  }

  /** The interpreter and client of this machine (not yet checked: see {@link #unavailable}). */
  public static PyTorchTrainings locate() {
    return new PyTorchTrainings(python(), findClientDir());
  }

  /** The Python client's directory ({@code clients/python}). */
  public Path clientDir() {
    return clientDir;
  }

  /**
   * Why PyTorch trainings cannot run here (no client, no interpreter, no torch or confluent-kafka),
   * or empty when they can.
   */
  public Optional<String> unavailable() {
    if (clientDir == null || !Files.isRegularFile(clientDir.resolve("trainwatch/demo.py"))) {
      return Optional.of(
          "the Python client (clients/python) was not found: set -Dtrainwatch.home or"
              + " TRAINWATCH_HOME to the repository");
    }
    try {
      Result r =
          run(
              List.of(
                  "-c",
                  "import importlib.util as u, sys; missing = [m for m in ('torch', 'confluent_kafka')"
                      + " if u.find_spec(m) is None]; print(' '.join(missing)); sys.exit(0)"),
              line -> {},
              60);
      String missing = String.join(" ", r.output()).trim();
      if (r.exitCode() != 0) {
        return Optional.of(python + " does not run: " + String.join(" / ", r.output()));
      }
      if (!missing.isEmpty()) {
        return Optional.of(
            python
                + " lacks "
                + missing
                + " (apt-get install python3-torch python3-confluent-kafka, or pip install torch"
                + " confluent-kafka; TRAINWATCH_PYTHON picks another interpreter)");
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(python + " cannot be started: " + e.getMessage());
    }
  }

  /**
   * Runs the given scenarios (see {@code python3 -m trainwatch.demo --help}) one after the other in
   * one Python process, publishing to {@code bootstrapServers} with run ids {@code runPrefix +
   * scenario}; each output line goes to {@code lines} as it comes.
   */
  public Result train(
      String bootstrapServers,
      String runPrefix,
      String job,
      List<String> scenarios,
      int steps,
      Consumer<String> lines,
      long timeoutSeconds)
      throws IOException {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "-m",
            "trainwatch.demo",
            "--bootstrap-server",
            bootstrapServers,
            "--run-prefix",
            runPrefix,
            "--job",
            job,
            "--steps",
            Integer.toString(steps)));
    for (String s : scenarios) {
      args.add("--scenario");
      args.add(s);
    }
    return run(args, lines, timeoutSeconds);
  }

  /**
   * Why data-parallel PyTorch jobs cannot run here: what {@link #unavailable} says, or a PyTorch
   * without {@code torch.distributed}; empty when they can.
   */
  public Optional<String> distributedUnavailable() {
    Optional<String> basic = unavailable();
    if (basic.isPresent()) {
      return basic;
    }
    try {
      Result r =
          run(
              List.of(
                  "-c",
                  "import torch.distributed as d; print('yes' if d.is_available() else 'no')"),
              line -> {},
              120);
      if (r.exitCode() != 0 || !r.output().contains("yes")) {
        return Optional.of(
            python + "'s PyTorch has no torch.distributed: " + String.join(" / ", r.output()));
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(python + " cannot be started: " + e.getMessage());
    }
  }

  /**
   * Runs {@code python3 -m trainwatch.<module> args...} (for example {@code ddp}, the data-parallel
   * jobs, or {@code recipes}, the healthy single-run trainings); each output line goes to {@code
   * lines} as it comes.
   */
  public Result module(
      String module, List<String> args, Consumer<String> lines, long timeoutSeconds)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("-m", "trainwatch." + module));
    command.addAll(args);
    return run(command, lines, timeoutSeconds);
  }

  private Result run(List<String> args, Consumer<String> lines, long timeoutSeconds)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(python);
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (clientDir != null) {
      Map<String, String> env = pb.environment();
      String path = env.get("PYTHONPATH");
      env.put(
          "PYTHONPATH",
          clientDir.toAbsolutePath()
              + (path == null || path.isEmpty() ? "" : java.io.File.pathSeparator + path));
    }
    // Registered: a DDP job's rank processes too are stopped if this JVM exits first.
    Process p = ChildProcesses.register(pb.start());
    List<String> output = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (output) {
                    output.add(line);
                  }
                  lines.accept(line);
                }
              } catch (IOException e) {
                // the process is gone; its exit code says the rest
              }
            },
            "python-output");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        ChildProcesses.stop(p, Duration.ofSeconds(5));
        throw new IOException(
            python + " " + args + ": still running after " + timeoutSeconds + " s");
      }
      reader.join(5_000);
    } catch (InterruptedException e) {
      ChildProcesses.stop(p, Duration.ZERO);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    synchronized (output) {
      return new Result(p.exitValue(), List.copyOf(output));
    }
  }

  private static String python() {
    String configured = System.getenv("TRAINWATCH_PYTHON");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  private static Path findClientDir() {
    List<Path> roots = new ArrayList<>();
    String home = System.getProperty("trainwatch.home", System.getenv("TRAINWATCH_HOME"));
    if (home != null && !home.isBlank()) {
      roots.add(Path.of(home));
    }
    Path cwd = Path.of("").toAbsolutePath();
    roots.add(cwd);
    if (cwd.getParent() != null) {
      roots.add(cwd.getParent()); // a module's directory, as in the build's tests
    }
    for (Path root : roots) {
      Path dir = root.resolve("clients").resolve("python");
      if (Files.isRegularFile(dir.resolve("trainwatch/demo.py"))) {
        return dir;
      }
    }
    return null;
  }
}
