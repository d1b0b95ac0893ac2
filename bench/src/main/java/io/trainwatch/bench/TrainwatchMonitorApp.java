package io.trainwatch.bench;

import io.trainwatch.cli.http.HttpSettings;
import io.trainwatch.cli.http.Registries;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.http.MonitorHttp;
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
  private final boolean http;

  /** The monitor as shipped: every setting at its default, with its HTTP port and metrics. */
  public TrainwatchMonitorApp() {
    this(MonitorConfig.defaults(), Map.of(), true);
  }

  /**
   * A configured monitor.
   *
   * @param streamsProperties Kafka Streams settings passed as client properties (the monitor's own
   *     win)
   */
  public TrainwatchMonitorApp(MonitorConfig config, Map<String, String> streamsProperties) {
    this(config, streamsProperties, true);
  }

  /**
   * @param http {@code true} for the monitor as {@code ./trainwatch monitor} runs it (HTTP port on
   *     loopback, Prometheus registry, the topology's and Kafka Streams' metrics), {@code false}
   *     for the topology alone
   */
  public TrainwatchMonitorApp(
      MonitorConfig config, Map<String, String> streamsProperties, boolean http) {
    this.config = config;
    this.streamsProperties = Map.copyOf(streamsProperties);
    this.http = http;
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
    return http ? "trainwatch monitor" : "trainwatch monitor without HTTP and metrics";
  }

  @Override
  public Running start(
      String bootstrapServers, String applicationId, Path stateDir, Map<String, Object> overrides) {
    Map<String, String> clientProperties = new HashMap<>(streamsProperties);
    overrides.forEach((k, v) -> clientProperties.put(k, String.valueOf(v)));
    MonitorOptions options =
        MonitorOptions.of(bootstrapServers)
            .withApplicationId(applicationId)
            .withStateDir(stateDir)
            .withConfig(config)
            .withClientProperties(clientProperties);
    if (!http) {
      return Monitor.start(options)::close;
    }
    MonitorHttp server =
        MonitorHttp.start(new HttpSettings("127.0.0.1", 0), Registries.prometheus());
    try {
      Monitor monitor = Monitor.start(options, server.hooks());
      return () -> {
        monitor.close();
        server.close();
      };
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }
}
