package io.trainwatch.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Loads Kafka client settings (security.protocol, sasl.*, ssl.*) from a {@code --client-config} file. */
final class KafkaClientConfig {

  private KafkaClientConfig() {}

  /** The properties of a Kafka-style {@code key=value} file, or empty properties when {@code file} is null. */
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
