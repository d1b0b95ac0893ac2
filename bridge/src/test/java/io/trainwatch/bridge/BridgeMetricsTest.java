package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BridgeMetricsTest {

  @Test
  void shouldExposeTheBridgeCountersInPrometheusTermsAsTheyChange() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AtomicReference<BridgeStats.Snapshot> stats =
        new AtomicReference<>(new BridgeStats.Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    BridgeMetrics.bind(registry, "oncall", Destination.PAGERDUTY, stats, AtomicReference::get);
    stats.set(new BridgeStats.Snapshot(12, 1, 2, 0, 0, 9, 7, 3, 2, 1, 1, 0));

    String scrape = registry.scrape();

    String labels = "bridge=\"oncall\",destination=\"pagerduty\"";
    assertThat(scrape)
        .contains("trainwatch_bridge_alerts_received_total{" + labels + "} 12.0")
        .contains("trainwatch_bridge_alerts_total{" + labels + ",outcome=\"delivered\"} 7.0")
        .contains("trainwatch_bridge_alerts_total{" + labels + ",outcome=\"dead_lettered\"} 1.0")
        .contains("trainwatch_bridge_alerts_total{" + labels + ",outcome=\"filtered\"} 2.0")
        .contains("trainwatch_bridge_requests_total{" + labels + "} 9.0")
        .contains("trainwatch_bridge_retries_total{" + labels + "} 3.0")
        .contains("trainwatch_bridge_rate_limited_total{" + labels + "} 2.0")
        .contains("trainwatch_bridge_parked_total{" + labels + "} 1.0");
  }
}
