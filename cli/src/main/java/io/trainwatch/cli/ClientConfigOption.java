package io.trainwatch.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The {@code --command-config FILE} option of every command that talks to Kafka (Kafka 4.x tools'
 * name), with {@code --client-config FILE}, its earlier name, still accepted but no longer shown.
 * Add it with {@code @Mixin ClientConfigOption kafkaClient;}.
 */
public final class ClientConfigOption {

  private Path file;

  @Option(
      names = ClientConfigFile.OPTION,
      paramLabel = "FILE",
      description =
          "Kafka client settings for every client (security.protocol, sasl.*, ssl.*, ...), as "
              + "Kafka's own tools take them.")
  void commandConfig(Path value) {
    if (value != null) {
      file = value;
    }
  }

  @Option(
      names = ClientConfigFile.ALIAS,
      paramLabel = "FILE",
      hidden = true,
      description = "The earlier name of " + ClientConfigFile.OPTION + ".")
  void clientConfig(Path value) {
    if (value != null) {
      file = value;
    }
  }

  /** The file, or {@code null} if none was given. */
  public Path file() {
    return file;
  }

  /** The file's settings ({@link ClientConfigFile#map}); empty without a file. */
  public Map<String, String> map() {
    return ClientConfigFile.map(file);
  }

  /** The file's settings as {@link Properties}. */
  public Properties properties() {
    return ClientConfigFile.properties(file);
  }
}
