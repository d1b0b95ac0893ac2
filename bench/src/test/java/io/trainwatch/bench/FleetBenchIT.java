package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.config.MonitorConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fleet section at a tiny size, on a real embedded broker with the real monitor: the fleet's
 * events are offered and processed, the injected faults' job-level alerts arrive, and the report
 * section is written. Behaviour only: how fast is the benchmark's business, not the test's.
 */
class FleetBenchIT {

  @Test
  void shouldOfferTheFleetProcessItAndReportTheJobsAlerts() {
    // job_hang after 10 s of silence instead of a minute, so the hang is judged within the test.
    MonitorConfig config = MonitorConfig.parse(Map.of("rules.job_hang.min_seconds", "10"));
    FleetBench.Settings settings =
        new FleetBench.Settings(
            8,
            4,
            10,
            Duration.ofSeconds(3),
            Duration.ofSeconds(12),
            2,
            2,
            Duration.ofMinutes(4),
            7);

    FleetBench.Result r =
        FleetBench.run(new TrainwatchMonitorApp(config, Map.of(), false), 3, 1, settings);

    assertThat(r.eventsOffered()).isPositive();
    assertThat(r.processedRate()).isPositive();
    assertThat(r.rawEvents()).isGreaterThanOrEqualTo(r.eventsOffered());
    assertThat(r.duplicateAlerts()).isZero();
    assertThat(r.faults()).hasSize(7);
    assertThat(r.faults())
        .filteredOn(FleetBench.InjectedFault::alerted)
        .extracting(FleetBench.InjectedFault::rule)
        .contains("straggler_rank", "rank_divergence");
    assertThat(r.falseAlarmsByRule()).isEmpty();
    assertThat(r.state())
        .extracting(ChangelogSizes.StoreSize::store)
        .contains("run-state", "job-state", "job-ranks", "job-steps");
    assertThat(r.stateBytesPerRank()).isPositive();
    assertThat(r.stateBytesPerJob()).isPositive();

    String section = FleetReport.section(r);
    assertThat(section)
        .contains(
            "## 6. A Llama-3-sized fleet on one box", "### Alerts", "### What the fleet needs")
        .contains("`straggler_rank`", "`rank_divergence`");
    assertThat(FleetReport.verdict(r).item()).isEqualTo("6. Fleet: 32 ranks, 320 events/s");
  }
}
