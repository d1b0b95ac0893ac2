package io.trainwatch.bench;

import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The system under test: trainwatch's monitor, started through its public API with its default configuration. */
public final class TrainwatchMonitorApp implements StreamsApp {

  private final MonitorConfig config;

  /** The monitor as shipped: every setting at its default. */
  public TrainwatchMonitorApp() {
    this(MonitorConfig.defaults());
  }

  public TrainwatchMonitorApp(MonitorConfig config) {
    this.config = config;
  }

  public MonitorConfig config() {
    return config;
  }

  @Override
  public String name() {
    return "trainwatch monitor";
  }

  @Override
  public Running start(String bootstrapServers, String applicationId, Path stateDir, Map<String, Object> overrides) {
    Map<String, String> clientProperties = new HashMap<>();
    overrides.forEach((k, v) -> clientProperties.put(k, String.valueOf(v)));
    Monitor monitor = Monitor.start(MonitorOptions.of(bootstrapServers)
        .withApplicationId(applicationId)
        .withStateDir(stateDir)
        .withConfig(config)
        .withClientProperties(clientProperties));
    return monitor::close;
  }
}
