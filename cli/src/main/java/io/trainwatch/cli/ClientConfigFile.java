package io.trainwatch.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Kafka client settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, ...) from the
 * file given with {@code --command-config} (Kafka 4.x tools' name; {@code --client-config} is kept
 * as an alias): the Kafka CLI tools' convention, which every trainwatch command that talks to Kafka
 * follows. The settings may hold secrets: no message names more than the file.
 */
public final class ClientConfigFile {

  /** The command-line option every command names the file with. */
  public static final String OPTION = "--command-config";

  /** The earlier name of {@link #OPTION}, still accepted. */
  public static final String ALIAS = "--client-config";

  private ClientConfigFile() {}

  /**
   * The file's settings, in the form Kafka clients' and Kafka Streams' configuration maps take;
   * empty when {@code file} is {@code null} (no file given).
   *
   * @throws IllegalArgumentException if the file cannot be read; the message names the option and
   *     the file
   */
  public static Map<String, String> map(Path file) {
    return PropertiesFile.read(file, OPTION);
  }

  /** {@link #map} as {@link Properties}, for the client constructors that take them. */
  public static Properties properties(Path file) {
    Properties p = new Properties();
    p.putAll(map(file));
    return p;
  }
}
