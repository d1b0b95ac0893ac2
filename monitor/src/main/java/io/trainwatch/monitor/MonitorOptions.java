package io.trainwatch.monitor;

import io.trainwatch.monitor.config.MonitorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How to run one monitor instance.
 *
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port...]}
 * @param applicationId the Kafka Streams application id: instances with the same id share the work
 * @param stateDir where local state lives; {@code null} for {@code <tmp>/trainwatch-monitor}
 * @param config topics, processing and rule settings
 * @param clientProperties Kafka client settings applied to every client (security.protocol, sasl.*,
 *     ssl.*, ...)
 * @param startupTimeout how long {@link Monitor#start} waits for the application to be running
 */
public record MonitorOptions(
    String bootstrapServers,
    String applicationId,
    Path stateDir,
    MonitorConfig config,
    Map<String, String> clientProperties,
    Duration startupTimeout) {

  /** The default Kafka Streams application id. */
  public static final String DEFAULT_APPLICATION_ID = "trainwatch-monitor";

  public MonitorOptions {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers: must not be empty");
    }
    if (applicationId == null || !applicationId.matches("[a-zA-Z0-9._-]+")) {
      throw new IllegalArgumentException(
          "application id " + applicationId + ": must be letters, digits, '.', '_' or '-'");
    }
    if (startupTimeout == null || startupTimeout.isNegative() || startupTimeout.isZero()) {
      throw new IllegalArgumentException(
          "startup timeout " + startupTimeout + ": must be positive");
    }
    config = config == null ? MonitorConfig.defaults() : config;
    clientProperties = clientProperties == null ? Map.of() : Map.copyOf(clientProperties);
  }

  /** Defaults for everything but the bootstrap servers. */
  public static MonitorOptions of(String bootstrapServers) {
    return new MonitorOptions(
        bootstrapServers,
        DEFAULT_APPLICATION_ID,
        null,
        MonitorConfig.defaults(),
        Map.of(),
        Duration.ofSeconds(60));
  }

  public MonitorOptions withApplicationId(String id) {
    return new MonitorOptions(
        bootstrapServers, id, stateDir, config, clientProperties, startupTimeout);
  }

  public MonitorOptions withStateDir(Path dir) {
    return new MonitorOptions(
        bootstrapServers, applicationId, dir, config, clientProperties, startupTimeout);
  }

  public MonitorOptions withConfig(MonitorConfig newConfig) {
    return new MonitorOptions(
        bootstrapServers, applicationId, stateDir, newConfig, clientProperties, startupTimeout);
  }

  public MonitorOptions withClientProperties(Map<String, String> props) {
    return new MonitorOptions(
        bootstrapServers, applicationId, stateDir, config, props, startupTimeout);
  }

  public MonitorOptions withStartupTimeout(Duration timeout) {
    return new MonitorOptions(
        bootstrapServers, applicationId, stateDir, config, clientProperties, timeout);
  }
}
