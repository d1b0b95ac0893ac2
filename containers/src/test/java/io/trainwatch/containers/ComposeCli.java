package io.trainwatch.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The compose command line users run, against one compose file as one project: {@code docker
 * compose} (v2) where the plugin exists, else {@code docker-compose} (v1). Output goes to a log
 * file, quoted in the exception on failure.
 */
final class ComposeCli {

  private final List<String> command;
  private final Path composeFile;
  private final String project;
  private final Map<String, String> environment;
  private final Path log;

  private ComposeCli(
      List<String> command, Path composeFile, String project, Map<String, String> environment) {
    this.command = List.copyOf(command);
    this.composeFile = composeFile;
    this.project = project;
    this.environment = Map.copyOf(environment);
    this.log =
        Path.of(
            System.getProperty("trainwatch.container.logs.dir", "target/container-logs"),
            "compose-" + project + ".log");
  }

  /** The first compose implementation that answers {@code version}, if any. */
  static Optional<List<String>> detect() {
    for (List<String> candidate :
        List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
      List<String> version = new ArrayList<>(candidate);
      version.add("version");
      try {
        Process p = new ProcessBuilder(version).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return Optional.of(candidate);
        }
      } catch (IOException e) {
        // not installed: try the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  static ComposeCli of(
      List<String> command, Path composeFile, String project, Map<String, String> environment) {
    return new ComposeCli(command, composeFile, project, environment);
  }

  String project() {
    return project;
  }

  /**
   * Runs {@code compose -f FILE -p PROJECT args...}; returns its output, or throws with it if it
   * fails.
   */
  String run(Duration timeout, String... args) {
    List<String> full = new ArrayList<>(command);
    full.addAll(List.of("-f", composeFile.toString(), "-p", project));
    full.addAll(List.of(args));
    try {
      Files.createDirectories(log.getParent());
      Path out = Files.createTempFile(log.getParent(), "compose-", ".out");
      ProcessBuilder pb =
          new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().putAll(environment);
      Process p = pb.start();
      boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String output = Files.readString(out, StandardCharsets.UTF_8);
      Files.delete(out);
      Files.writeString(
          log,
          "$ " + String.join(" ", full) + "\n" + output,
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      if (!finished || p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", full)
                + (finished ? " exited with " + p.exitValue() : " did not finish in " + timeout)
                + ":\n"
                + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + full, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + full, e);
    }
  }
}
