package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppSpecTest {

  @Test
  void shouldSurviveTheTripToTheChildJvm() {
    AppSpec spec =
        new AppSpec(
            "monitor",
            Path.of("/tmp/monitor.properties"),
            Map.of("commit.interval.ms", "200", "statestore.cache.max.bytes", "1048576"));

    assertThat(AppSpec.fromArgs(spec.toArgs())).isEqualTo(spec);
    assertThat(AppSpec.fromArgs(List.of("reference")))
        .isEqualTo(new AppSpec("reference", null, Map.of()));
  }

  @Test
  void shouldRefuseWhatItCannotRun() {
    assertThatThrownBy(() -> new AppSpec("flink", null, Map.of()))
        .hasMessage("app 'flink': not one of [monitor, monitor-no-http, reference]");
    assertThatThrownBy(() -> new AppSpec("reference", Path.of("m.properties"), Map.of()))
        .hasMessage("--monitor-config: only for --app monitor");
    assertThatThrownBy(() -> AppSpec.fromArgs(List.of("monitor", "oops")))
        .hasMessage("'oops': expected --monitor-config FILE or KEY=VALUE");
  }

  @Test
  void shouldConfigureTheMonitorItDescribes() {
    StreamsApp app = new AppSpec("monitor", null, Map.of("commit.interval.ms", "200")).create();

    assertThat(app)
        .isInstanceOfSatisfying(
            TrainwatchMonitorApp.class,
            m -> assertThat(m.streamsProperties()).containsEntry("commit.interval.ms", "200"));
  }
}
