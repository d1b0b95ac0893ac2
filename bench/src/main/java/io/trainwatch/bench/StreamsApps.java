package io.trainwatch.bench;

import java.util.Map;
import java.util.function.Supplier;

/** The applications the benchmark knows by name, so a child JVM can be told which one to run. */
final class StreamsApps {

  private static final Map<String, Supplier<StreamsApp>> APPS = Map.of(
      "monitor", TrainwatchMonitorApp::new,
      "reference", ReferenceStreamsApp::new);

  private StreamsApps() {}

  static StreamsApp byName(String name) {
    Supplier<StreamsApp> app = APPS.get(name);
    if (app == null) {
      throw new IllegalArgumentException("app '" + name + "': not one of " + APPS.keySet());
    }
    return app.get();
  }
}
