package io.trainwatch.monitor.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MonitorMetricsTest {

  @Test
  void shouldLabelADeadLetterByTheLeadingWordsOfItsReason() {
    assertThat(MonitorMetrics.reasonLabel("loss: required")).isEqualTo("loss");
    assertThat(MonitorMetrics.reasonLabel("step 12: repeats the run's last step 12"))
        .isEqualTo("step");
    assertThat(MonitorMetrics.reasonLabel("run not monitored: this instance already tracks 5"))
        .isEqualTo("run_not_monitored");
    assertThat(MonitorMetrics.reasonLabel("key \"abc\": must equal run_id \"x\"")).isEqualTo("key");
    assertThat(MonitorMetrics.reasonLabel("input.min: expected a number")).isEqualTo("input_min");
    assertThat(MonitorMetrics.reasonLabel("{\"oops")).isEqualTo("other");
    assertThat(MonitorMetrics.reasonLabel(null)).isEqualTo("other");
  }

  @Test
  void shouldKeepTheReasonLabelsOfAStageFew() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MonitorMetrics metrics = new MonitorMetrics(registry);
    for (int i = 0; i < MonitorMetrics.MAX_REASONS + 10; i++) {
      metrics.deadLettered(
          "decode", "field" + Character.toString('a' + i % 26) + "x".repeat(i / 26) + ": required");
    }
    metrics.deadLettered("run", "step 3: repeats");
    assertThat(registry.find("trainwatch.events.dead.lettered").tag("stage", "decode").counters())
        .hasSize(MonitorMetrics.MAX_REASONS + 1);
    assertThat(
            registry
                .get("trainwatch.events.dead.lettered")
                .tag("stage", "decode")
                .tag("reason", "other")
                .counter()
                .count())
        .isEqualTo(10);
    assertThat(
            registry
                .get("trainwatch.events.dead.lettered")
                .tag("stage", "run")
                .tag("reason", "step")
                .counter()
                .count())
        .isEqualTo(1);
  }
}
