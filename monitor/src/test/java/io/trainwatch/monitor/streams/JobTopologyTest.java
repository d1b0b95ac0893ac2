package io.trainwatch.monitor.streams;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.http.MonitorMetrics;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job- and host-level wiring: ranks' reports re-keyed by job, their alerts grouped into one
 * page per job, job rules over the ranks, faults re-keyed by host. TopologyTestDriver, real
 * topology, real configuration.
 */
class JobTopologyTest {

  @TempDir Path stateDir;

  private TopologyFixture topology;
  private TopologyTestDriver driver;
  private TestOutputTopic<String, Alert> alerts;

  @AfterEach
  void close() {
    if (topology != null) {
      topology.close();
    }
  }

  @Test
  void shouldPageOnceForAJobWhoseEightRanksTurnNan() {
    start(MonitorConfig.defaults());
    startRanks("llm", 8, "host-a");
    for (int step = 0; step < 20; step++) {
      for (int r = 0; r < 8; r++) {
        double loss = step >= 10 ? Double.NaN : 2.0;
        send(batch(run("llm", r), step).loss(loss).build().withPhases(10.0, 100.0));
      }
    }
    assertThat(alerts.readValuesToList()).as("nothing before group_wait").isEmpty();

    driver.advanceWallClockTime(Duration.ofSeconds(10));

    List<Alert> out = alerts.readValuesToList();
    assertThat(out).hasSize(1);
    Alert page = out.get(0);
    assertThat(page.alertId()).isEqualTo("llm/nonfinite_loss");
    assertThat(page.status()).isEqualTo(AlertStatus.FIRING);
    assertThat(page.job()).isEqualTo("llm");
    assertThat(page.runId()).isEqualTo(run("llm", 0));
    assertThat(page.evidence())
        .containsEntry("ranks", "0, 1, 2, 3, 4, 5, 6, 7")
        .containsEntry("rank_count", 8L)
        .containsEntry("first_rank", 0L)
        .containsKey("loss");
    assertThat(page.summary())
        .startsWith("llm: nonfinite_loss on 8 ranks (0, 1, 2, 3, 4, 5, 6, 7)");
    assertThat(page.hint()).isNotBlank();

    // Every rank ends: one resolved record.
    for (int r = 0; r < 8; r++) {
      send(Events.ended(run("llm", r), 20));
    }
    List<Alert> resolved = alerts.readValuesToList();
    assertThat(resolved)
        .extracting(Alert::alertId, Alert::status, Alert::revision)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("llm/nonfinite_loss", AlertStatus.RESOLVED, 2));
  }

  @Test
  void shouldCountTheJobsPageAndTheStragglerInTheAlertsMetric() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    start(MonitorConfig.defaults(), new MonitorMetrics(registry));
    startRanks("llm", 8, "host-a");
    startRanks("vit", 8, "host-b");
    Random rnd = new Random(7);
    for (int step = 0; step < 60; step++) {
      for (int r = 0; r < 8; r++) {
        double loss = step >= 10 ? Double.NaN : 2.0;
        send(batch(run("llm", r), step).loss(loss).build().withPhases(10.0, 100.0));
        double compute =
            100 * Math.exp(0.03 * rnd.nextGaussian()) * (r == 5 && step >= 20 ? 1.2 : 1);
        send(batch(run("vit", r), step).build().withPhases(10.0, compute));
      }
    }
    driver.advanceWallClockTime(Duration.ofSeconds(10));

    List<Alert> out = alerts.readValuesToList();
    assertThat(out)
        .extracting(Alert::alertId)
        .containsExactlyInAnyOrder("llm/nonfinite_loss", run("vit", 5) + "/straggler_rank");
    // Eight ranks' NaN alerts are one page, counted once, like the straggler found by the job.
    assertThat(firing(registry, "nonfinite_loss")).isEqualTo(1);
    assertThat(firing(registry, "straggler_rank")).isEqualTo(1);
    assertThat(registry.get("trainwatch.alert.latency").timer().count()).isEqualTo(2);
  }

  private static double firing(SimpleMeterRegistry registry, String rule) {
    return registry
        .get("trainwatch.alerts")
        .tag("rule", rule)
        .tag("status", "firing")
        .counters()
        .stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  @Test
  void shouldNameTheStragglerRankItsHostAndDevice() {
    start(MonitorConfig.defaults());
    startRanks("vit", 8, "host-b");
    Random rnd = new Random(7);
    for (int step = 0; step < 60; step++) {
      for (int r = 0; r < 8; r++) {
        double compute =
            100 * Math.exp(0.03 * rnd.nextGaussian()) * (r == 5 && step >= 20 ? 1.2 : 1);
        send(batch(run("vit", r), step).build().withPhases(10.0, compute));
      }
    }
    List<Alert> out = alerts.readValuesToList();
    assertThat(out).hasSize(1);
    Alert a = out.get(0);
    assertThat(a.alertId()).isEqualTo(run("vit", 5) + "/straggler_rank");
    assertThat(a.rule()).isEqualTo("straggler_rank");
    assertThat(a.diagnosis()).isEqualTo("slow_compute");
    assertThat(a.job()).isEqualTo("vit");
    assertThat(a.evidence())
        .containsEntry("rank", 5L)
        .containsEntry("host", "host-b-0")
        .containsEntry("device", "cuda:5")
        .containsEntry("phase", "compute");
    assertThat(((Number) a.evidence().get("slowdown")).doubleValue()).isBetween(0.1, 0.3);
    assertThat(a.step()).isBetween(20L, 30L);
    assertThat(a.summary()).contains("vit rank 5").contains("slower than its peers");
    assertThat(a.placement())
        .isEqualTo(new io.trainwatch.schemas.AlertPlacement("host-b-0", "cuda:5", 5, List.of()));
  }

  @Test
  void shouldSayTheHangsCulpritIsUnknownWhenEveryRankStoppedAtTheSameStep() {
    MonitorConfig config = MonitorConfig.defaults();
    start(config);
    startRanks("gpt", 4, "host-d");
    for (int step = 0; step < 30; step++) {
      for (int r = 0; r < 4; r++) {
        send(batch(run("gpt", r), step).build().withPhases(10.0, 100.0));
      }
    }
    // One rank hangs before the all-reduce of step 30: every rank's last report is step 29.
    driver.advanceWallClockTime(Duration.ofSeconds(70));

    List<Alert> out = alerts.readValuesToList();
    assertThat(out).hasSize(1);
    Alert hang = out.get(0);
    assertThat(hang.diagnosis()).isEqualTo("job_stopped");
    assertThat(hang.evidence())
        .containsEntry("behind_count", 0L)
        .containsEntry("culprit_basis", "none");
    assertThat(hang.evidence().get("rank")).isNull();
    assertThat(hang.evidence().get("host")).isNull();
    assertThat(hang.placement().rank()).isNull();
    assertThat(hang.hint())
        .contains("Culprit unknown: all 4 ranks reported step 29 and stopped")
        .doesNotContain("Likely culprit")
        .doesNotContain("{");
    assertThat(hang.summary()).doesNotContain("{");
  }

  @Test
  void shouldNameTheRankBehindAHangWithinAMinuteAndSilenceStalledRuns() {
    MonitorConfig config = MonitorConfig.defaults();
    start(config);
    startRanks("bert", 4, "host-c");
    for (int step = 0; step < 30; step++) {
      for (int r = 0; r < 4; r++) {
        if (step == 29 && r == 2) {
          continue; // rank 2 never finishes step 29: the others wait for it
        }
        send(batch(run("bert", r), step).build().withPhases(10.0, 100.0));
      }
    }
    driver.advanceWallClockTime(Duration.ofSeconds(50));
    assertThat(alerts.readValuesToList()).isEmpty();

    driver.advanceWallClockTime(Duration.ofSeconds(20));

    List<Alert> out = alerts.readValuesToList();
    assertThat(out).hasSize(1);
    Alert hang = out.get(0);
    assertThat(hang.alertId()).isEqualTo("bert/job_hang");
    assertThat(hang.diagnosis()).isEqualTo("job_stopped");
    assertThat(hang.runId()).isEqualTo(run("bert", 2));
    assertThat(hang.evidence())
        .containsEntry("rank", 2L)
        .containsEntry("host", "host-c-0")
        .containsEntry("behind_count", 1L)
        .containsEntry("last_step", 29L)
        .containsEntry("culprit_step", 28L);
    assertThat(hang.summary()).contains("rank 2 at step 28 on host-c-0");
    assertThat(hang.placement().rank()).isEqualTo(2);
    assertThat(hang.placement().host()).isEqualTo("host-c-0");

    // The per-run stalled_run alerts of the ranks come 10 minutes later: silenced by the hang.
    driver.advanceWallClockTime(Duration.ofSeconds(600));
    assertThat(alerts.readValuesToList()).isEmpty();

    // Rank 2 moves again: the hang resolves.
    send(batch(run("bert", 2), 29).build().withPhases(10.0, 100.0));
    assertThat(alerts.readValuesToList())
        .extracting(Alert::alertId, Alert::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("bert/job_hang", AlertStatus.RESOLVED));
  }

  @Test
  void shouldSuspectAHostWhoseRanksFailInTwoJobs() {
    start(MonitorConfig.defaults());
    for (String job : List.of("job-x", "job-y")) {
      startRanks(job, 4, "host");
      // Rank 3 of each job runs on host "bad-node" (see startRanks).
      for (int step = 0; step < 12; step++) {
        for (int r = 0; r < 4; r++) {
          double loss = r == 3 && step == 10 ? Double.NaN : 2.0;
          send(batch(run(job, r), step).loss(loss).build().withPhases(10.0, 100.0));
        }
      }
    }
    driver.advanceWallClockTime(Duration.ofSeconds(10));

    List<Alert> out = alerts.readValuesToList();
    assertThat(out)
        .extracting(Alert::alertId)
        .contains(
            run("job-x", 3) + "/rank_divergence",
            run("job-y", 3) + "/rank_divergence",
            "bad-node/suspect_node");
    Alert suspect =
        out.stream().filter(a -> a.rule().equals("suspect_node")).findFirst().orElseThrow();
    assertThat(suspect.diagnosis()).isEqualTo("faulty_device");
    assertThat(suspect.evidence())
        .containsEntry("host", "bad-node")
        .containsEntry("device", "cuda:3")
        .containsEntry("jobs", 2L);
    assertThat(suspect.hint()).contains("kubectl cordon bad-node");
    assertThat(suspect.placement().host()).isEqualTo("bad-node");
    assertThat(suspect.placement().device()).isEqualTo("cuda:3");
    // A host that merely runs ranks of both jobs is not suspected.
    assertThat(out).noneMatch(a -> a.alertId().equals("host-0/suspect_node"));
  }

  private void startRanks(String job, int world, String hostPrefix) {
    for (int r = 0; r < world; r++) {
      String host =
          hostPrefix.equals("host") ? (r == 3 ? "bad-node" : "host-0") : hostPrefix + "-" + r / 8;
      send(Events.rankStarted(run(job, r), job, host, r, world, "cuda:" + r, 0));
    }
  }

  private static String run(String job, int rank) {
    return job + "-rank" + rank;
  }

  private void start(MonitorConfig config) {
    start(config, TopologyMetrics.NONE);
  }

  private void start(MonitorConfig config, TopologyMetrics metrics) {
    topology =
        new TopologyFixture(
            stateDir, "job-topology-test", config, RunEvaluator.standard(), metrics);
    driver = topology.driver;
    alerts = topology.alerts;
  }

  private void send(TrainingEvent e) {
    topology.send(e);
  }
}
