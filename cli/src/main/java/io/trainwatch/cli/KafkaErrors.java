package io.trainwatch.cli;

import org.apache.kafka.common.config.ConfigException;

/**
 * One line for a Kafka client's failure, for the person at the terminal. A client built with bad
 * settings ({@code security.protocol=TLS}) throws "Failed to create new KafkaAdminClient" with the
 * reason in its cause: the line is the reason.
 */
public final class KafkaErrors {

  private KafkaErrors() {}

  /**
   * The most telling message of {@code e} and its causes: a {@link ConfigException}'s if there is
   * one (a bad client setting), else the first non-empty one; never a stack trace.
   */
  public static String oneLine(Throwable e) {
    String first = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConfigException && t.getMessage() != null) {
        return firstLine(t.getMessage());
      }
      if (first == null && t.getMessage() != null && !t.getMessage().isBlank()) {
        first = t.getMessage();
      }
    }
    return first == null ? e.getClass().getSimpleName() : firstLine(first);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
