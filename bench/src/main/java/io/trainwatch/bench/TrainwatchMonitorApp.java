package io.trainwatch.bench;

import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The system under test: trainwatch's monitor, started through its public API with its default
 * configuration.
 */
public final class TrainwatchMonitorApp implements StreamsApp {

  private final MonitorConfig config;
  private final Map<String, String> streamsProperties;

  /** The monitor as shipped: every setting at its default. */
  public TrainwatchMonitorApp() {
    this(MonitorConfig.defaults(), Map.of());
  }

  /**
   * A configured monitor.
   *
   * @param streamsProperties Kafka Streams settings passed as client properties (the monitor's own
   *     win)
   */
  public TrainwatchMonitorApp(MonitorConfig config, Map<String, String> streamsProperties) {
    this.config = config;
    this.streamsProperties = Map.copyOf(streamsProperties);
  }

  /** The extra Kafka Streams settings. */
  public Map<String, String> streamsProperties() {
    return streamsProperties;
  }

  public MonitorConfig config() {
    return config;
  }

  @Override
  public String name() {
    return "trainwatch monitor";
  }

  @Override
  public Running start(
      String bootstrapServers, String applicationId, Path stateDir, Map<String, Object> overrides) {
    Map<String, String> clientProperties = new HashMap<>(streamsProperties);
    overrides.forEach((k, v) -> clientProperties.put(k, String.valueOf(v)));
    Monitor monitor =
        Monitor.start(
            MonitorOptions.of(bootstrapServers)
                .withApplicationId(applicationId)
                .withStateDir(stateDir)
                .withConfig(config)
                .withClientProperties(clientProperties));
    return monitor::close;
  }
}
