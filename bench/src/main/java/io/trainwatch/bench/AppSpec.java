package io.trainwatch.bench;

import io.trainwatch.monitor.config.MonitorConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which application to benchmark and how it is configured; also passed to the child JVM of item 4
 * as arguments.
 *
 * @param name {@code monitor} (as {@code ./trainwatch monitor} runs it: with its HTTP port, metrics
 *     registry and Kafka Streams metrics), {@code monitor-no-http} (the same topology without them:
 *     what metrics cost) or {@code reference}
 * @param monitorConfig a monitor configuration file ({@code monitor.*}, {@code rules.*} keys), or
 *     {@code null} for the defaults
 * @param streamsProperties Kafka Streams and client settings added to the application's (e.g.
 *     {@code commit.interval.ms=200}); settings the monitor fixes itself cannot be changed this way
 */
public record AppSpec(String name, Path monitorConfig, Map<String, String> streamsProperties) {

  private static final List<String> NAMES = List.of("monitor", "monitor-no-http", "reference");

  public AppSpec {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("app '" + name + "': not one of " + NAMES);
    }
    if (monitorConfig != null && !name.startsWith("monitor")) {
      throw new IllegalArgumentException("--monitor-config: only for --app monitor");
    }
    streamsProperties = streamsProperties == null ? Map.of() : Map.copyOf(streamsProperties);
  }

  /** The application, configured. */
  public StreamsApp create() {
    if (name.equals("reference")) {
      return new ReferenceStreamsApp(streamsProperties);
    }
    MonitorConfig config =
        monitorConfig == null ? MonitorConfig.defaults() : MonitorConfig.load(monitorConfig);
    return new TrainwatchMonitorApp(config, streamsProperties, name.equals("monitor"));
  }

  /** This spec as command-line arguments: {@code NAME [--monitor-config FILE] [KEY=VALUE...]}. */
  public List<String> toArgs() {
    List<String> args = new ArrayList<>();
    args.add(name);
    if (monitorConfig != null) {
      args.add("--monitor-config");
      args.add(monitorConfig.toAbsolutePath().toString());
    }
    streamsProperties.forEach((k, v) -> args.add(k + "=" + v));
    return args;
  }

  /** Reads what {@link #toArgs} wrote. */
  public static AppSpec fromArgs(List<String> args) {
    if (args.isEmpty()) {
      throw new IllegalArgumentException("app: missing");
    }
    Path config = null;
    Map<String, String> props = new LinkedHashMap<>();
    for (int i = 1; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--monitor-config") && i + 1 < args.size()) {
        config = Path.of(args.get(++i));
      } else if (a.indexOf('=') > 0) {
        props.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      } else {
        throw new IllegalArgumentException(
            "'" + a + "': expected --monitor-config FILE or KEY=VALUE");
      }
    }
    return new AppSpec(args.get(0), config, props);
  }
}
