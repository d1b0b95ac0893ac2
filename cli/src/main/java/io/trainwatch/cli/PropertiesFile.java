package io.trainwatch.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A Java properties file ({@code key=value} lines, {@code #} comments, {@code \} continuations)
 * read as UTF-8: the format of every configuration file trainwatch takes, as of Kafka's own tools.
 *
 * <p>The values may be secrets, so no message built here ever includes the file's contents, only
 * its name.
 */
public final class PropertiesFile {

  private PropertiesFile() {}

  /**
   * The file's keys and values, in key order; empty when {@code file} is {@code null} (no file
   * given).
   *
   * @param option how the user named the file (e.g. {@code --client-config}), for the error message
   * @throws IllegalArgumentException if the file cannot be read, naming {@code option} and the file
   */
  public static Map<String, String> read(Path file, String option) {
    Map<String, String> out = new TreeMap<>();
    if (file == null) {
      return out;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException(option + " " + file + ": cannot read (" + e + ")", e);
    }
    p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
    return out;
  }
}
