package io.trainwatch.bench;

import java.nio.file.Path;
import java.util.Map;

/**
 * A Kafka Streams application the benchmark can start, measure and stop: the monitor, or a
 * reference point.
 */
public interface StreamsApp {

  /** What the report calls it. */
  String name();

  /**
   * Starts the application; returns without waiting for it to be running.
   *
   * @param applicationId a fresh id per start, so each start reads the input from the beginning
   *     with empty state
   * @param overrides Kafka Streams settings that win over the application's own (e.g. consumer
   *     interceptors)
   */
  Running start(
      String bootstrapServers, String applicationId, Path stateDir, Map<String, Object> overrides);

  /** A started application. */
  interface Running extends AutoCloseable {
    @Override
    void close();
  }
}
