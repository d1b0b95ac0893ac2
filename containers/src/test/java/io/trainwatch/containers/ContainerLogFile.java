package io.trainwatch.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.testcontainers.containers.output.OutputFrame;

/**
 * Keeps a container's output in {@code target/container-logs/<name>.log}, for reading after a
 * failure.
 */
final class ContainerLogFile implements Consumer<OutputFrame> {

  private final Path file;

  ContainerLogFile(String name) {
    Path dir =
        Path.of(System.getProperty("trainwatch.container.logs.dir", "target/container-logs"));
    try {
      Files.createDirectories(dir);
      file = dir.resolve(name + ".log");
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path file() {
    return file;
  }

  @Override
  public synchronized void accept(OutputFrame frame) {
    if (frame.getType() == OutputFrame.OutputType.END) {
      return;
    }
    try (Writer w =
        Files.newBufferedWriter(
            file,
            StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND)) {
      w.write(frame.getUtf8String());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
