package io.trainwatch.trainer;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Loads Kafka client settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) from a properties file. */
final class ClientConfigFile {

  private ClientConfigFile() {}

  /**
   * The file's properties, or empty properties when {@code file} is {@code null}.
   *
   * @throws IllegalArgumentException if the file cannot be read (the message names the file, never its contents)
   */
  static Properties load(Path file) {
    Properties p = new Properties();
    if (file == null) {
      return p;
    }
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("--client-config " + file + ": cannot read (" + e.getMessage() + ")");
    }
    return p;
  }
}
