package io.trainwatch.monitor.streams;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.function.IntFunction;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's life as the job and host sub-topologies see it, on a simulated wall clock that moves
 * with the steps (200 ms a step): hosts that merely run many jobs, faults that age out of
 * suspect_node's window, restarts (attempt + 1) and a rank that stops while the others go on.
 */
class FleetLifecycleTopologyTest {

  private static final long WALL_STEP_MS = 200;

  @TempDir Path stateDir;

  private TopologyFixture topology;
  private TopologyTestDriver driver;
  private TestOutputTopic<String, Alert> alerts;
  private final List<Alert> seen = new ArrayList<>();
  private final Random rnd = new Random(11);

  @AfterEach
  void close() {
    if (topology != null) {
      topology.close();
    }
  }

  // suspect_node

  @Test
  void shouldNeverSuspectAHostThatMerelyRunsManyHealthyJobs() {
    start(MonitorConfig.defaults());
    // Six jobs, all of whose ranks run on busy-host, one after the other and side by side.
    for (int j = 0; j < 6; j++) {
      String job = "busy-" + j;
      startRanks(job, 4, 0, r -> "busy-host");
      run(job, 4, 0, 0, 120, (r, step) -> 100.0, (r, step) -> 2.0);
      endRanks(job, 4, 0, 120);
    }
    advance(Duration.ofMinutes(5));

    assertThat(seen).isEmpty();
  }

  @Test
  void shouldNotSuspectAHostForManyFaultsOfOneJob() {
    start(MonitorConfig.defaults());
    // One job: rank 1 straggles and rank 3 goes NaN alone, both on the same host. One job's faults
    // may be the job's own: not enough to blame the machine.
    startRanks("one-job", 4, 0, r -> "node-7");
    run(
        "one-job",
        4,
        0,
        0,
        80,
        (r, step) -> r == 1 && step >= 20 ? 130.0 : 100.0,
        (r, step) -> r == 3 && step == 60 ? Double.NaN : 2.0);
    advance(Duration.ofSeconds(30));

    assertThat(firing("straggler_rank")).isNotEmpty();
    assertThat(firing("rank_divergence")).isNotEmpty();
    assertThat(firing("suspect_node")).isEmpty();
  }

  @Test
  void shouldSuspectAHostOnceTwoJobsFailThereAndResolveWhenTheWindowPasses() {
    Properties p = new Properties();
    p.put("rules.suspect_node.window_seconds", "3600");
    start(MonitorConfig.parse(p));
    IntFunction<String> hosts = r -> r == 2 ? "bad-node" : "good-node";
    startRanks("job-a", 4, 0, hosts);
    run("job-a", 4, 0, 0, 30, (r, s) -> 100.0, (r, s) -> r == 2 && s == 20 ? Double.NaN : 2.0);
    endRanks("job-a", 4, 0, 30);
    advance(Duration.ofMinutes(20));
    assertThat(firing("suspect_node")).as("one job's fault").isEmpty();

    startRanks("job-b", 4, 0, hosts);
    run("job-b", 4, 0, 0, 30, (r, s) -> 100.0, (r, s) -> r == 2 && s == 20 ? Double.NaN : 2.0);
    endRanks("job-b", 4, 0, 30);
    advance(Duration.ofSeconds(30));

    List<Alert> suspect = firing("suspect_node");
    assertThat(suspect).hasSize(1);
    assertThat(suspect.get(0).alertId()).isEqualTo("bad-node/suspect_node");
    assertThat(suspect.get(0).evidence())
        .containsEntry("jobs", 2L)
        .containsEntry("host", "bad-node");
    assertThat(seen).noneMatch(a -> a.alertId().equals("good-node/suspect_node"));

    // An hour after job-a's fault, it leaves the window: one job is left, the alert resolves.
    advance(Duration.ofMinutes(45));
    assertThat(seen)
        .filteredOn(a -> a.alertId().equals("bad-node/suspect_node"))
        .extracting(Alert::status)
        .containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
  }

  @Test
  void shouldNotLinkFaultsFartherApartThanTheWindow() {
    Properties p = new Properties();
    p.put("rules.suspect_node.window_seconds", "600");
    start(MonitorConfig.parse(p));
    IntFunction<String> hosts = r -> r == 1 ? "old-node" : "other-node";
    for (String job : List.of("early", "late")) {
      startRanks(job, 4, 0, hosts);
      run(job, 4, 0, 0, 30, (r, s) -> 100.0, (r, s) -> r == 1 && s == 20 ? Double.NaN : 2.0);
      endRanks(job, 4, 0, 30);
      advance(Duration.ofMinutes(15));
    }

    assertThat(firing("rank_divergence")).hasSize(2);
    assertThat(firing("suspect_node")).isEmpty();
  }

  // restarts

  @Test
  void shouldStartARestartedJobOverWithoutFalseAlarms() {
    start(MonitorConfig.defaults());
    startRanks("llm", 4, 0, r -> "host-" + r / 2);
    run("llm", 4, 0, 0, 100, (r, s) -> 100.0, (r, s) -> 2.0);
    // Preempted at step 100: ranks 0, 1 and 3 say so, rank 2 is killed before it can.
    for (int r : new int[] {0, 1, 3}) {
      send(new RunEnded(run("llm", r, 0), Events.ts(100), RunStatus.KILLED, "preempted"));
    }
    advance(Duration.ofSeconds(40));
    // Attempt 1: new run ids, from the checkpoint at step 60 (the steps go back), rank 2 now a bit
    // slower than in attempt 0 (another device) but within the healthy spread.
    startRanks("llm", 4, 1, r -> "host-" + (r / 2 + 2));
    run("llm", 4, 1, 60, 300, (r, s) -> r == 2 ? 101.0 : 100.0, (r, s) -> 2.0);
    // A late report of attempt 0 (its producer flushed at exit) changes nothing.
    send(batch(run("llm", 2, 0), 101).build().withPhases(10.0, 100.0));
    endRanks("llm", 4, 1, 300);
    // Long enough for attempt 0's silent rank 2 to be stalled (600 s) and for any hang (60 s).
    advance(Duration.ofMinutes(12));

    assertThat(seen).as("a preemption and restart are no incident").isEmpty();
  }

  @Test
  void shouldJudgeARestartedJobOnItsNewAttemptOnly() {
    start(MonitorConfig.defaults());
    // Attempt 0: rank 3 straggles (a slow device); the job is restarted on other hosts where
    // rank 3 is healthy: its straggler alert resolves and nothing of attempt 0 lingers.
    startRanks("vit", 4, 0, r -> "old-" + r);
    run("vit", 4, 0, 0, 60, (r, s) -> r == 3 && s >= 10 ? 125.0 : 100.0, (r, s) -> 2.0);
    assertThat(firing("straggler_rank")).hasSize(1);
    endRanks("vit", 4, 0, 60);
    startRanks("vit", 4, 1, r -> "new-" + r);
    run("vit", 4, 1, 40, 200, (r, s) -> 100.0, (r, s) -> 2.0);
    endRanks("vit", 4, 1, 200);
    advance(Duration.ofMinutes(2));

    assertThat(seen)
        .filteredOn(a -> a.rule().equals("straggler_rank"))
        .extracting(Alert::runId, Alert::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(run("vit", 3, 0), AlertStatus.FIRING),
            org.assertj.core.groups.Tuple.tuple(run("vit", 3, 0), AlertStatus.RESOLVED));
    assertThat(seen).filteredOn(a -> !a.rule().equals("straggler_rank")).isEmpty();
  }

  // job_hang / rank_stopped

  @Test
  void shouldNameARankThatStoppedWhileTheOthersGoOn() {
    start(MonitorConfig.defaults());
    startRanks("async", 4, 0, r -> "node-" + r);
    // Rank 1 stops at step 50 without run_ended; the others go on (asynchronous or elastic
    // training, or a rank whose reports stopped reaching the monitor).
    for (int step = 0; step < 1000; step++) {
      for (int r = 0; r < 4; r++) {
        if (r == 1 && step >= 50) {
          continue;
        }
        send(batch(run("async", r, 0), step).build().withPhases(10.0, 100.0));
      }
      advance(Duration.ofMillis(WALL_STEP_MS));
    }
    advance(Duration.ofSeconds(15));

    List<Alert> hang = firing("job_hang");
    assertThat(hang).hasSize(1);
    Alert a = hang.get(0);
    assertThat(a.diagnosis()).isEqualTo("rank_stopped");
    assertThat(a.evidence())
        .containsEntry("rank", 1L)
        .containsEntry("host", "node-1")
        .containsEntry("culprit_step", 49L);
    assertThat(a.alertId()).isEqualTo("async/job_hang");
  }

  @Test
  void shouldNotCallAPreemptedJobWhoseKilledRankCouldNotSaySoHung() {
    start(MonitorConfig.defaults());
    startRanks("spot", 8, 0, r -> "node-" + r / 4);
    run("spot", 8, 0, 0, 80, (r, s) -> 100.0, (r, s) -> 2.0);
    for (int r = 0; r < 8; r++) {
      if (r != 5) {
        send(new RunEnded(run("spot", r, 0), Events.ts(80), RunStatus.KILLED, "preempted"));
      }
    }
    advance(Duration.ofMinutes(3)); // not restarted (yet)

    assertThat(firing("job_hang")).isEmpty();
  }

  @Test
  void shouldPageOnceWhenOneRanksNanReachesEveryRank() {
    start(MonitorConfig.defaults());
    startRanks("ddp", 8, 0, r -> "node-" + r / 4);
    // Rank 6 alone is NaN at step 40; the all-reduce spreads it to every rank from step 41.
    run(
        "ddp",
        8,
        0,
        0,
        60,
        (r, s) -> 100.0,
        (r, s) -> s > 40 || (s == 40 && r == 6) ? Double.NaN : 2.0);
    advance(Duration.ofSeconds(30));

    drain();
    List<String> pages =
        seen.stream().filter(Alert::firing).map(Alert::alertId).distinct().toList();
    assertThat(pages).containsExactly(run("ddp", 6, 0) + "/rank_divergence");
    Alert a = firing("rank_divergence").get(0);
    assertThat(a.diagnosis()).isEqualTo("nonfinite_on_rank");
    assertThat(a.evidence()).containsEntry("rank", 6L).containsEntry("host", "node-1");
  }

  @Test
  void shouldStillPageOnceWhenEveryRankTurnsNanTogether() {
    start(MonitorConfig.defaults());
    startRanks("lr", 8, 0, r -> "node-" + r / 4);
    run("lr", 8, 0, 0, 60, (r, s) -> 100.0, (r, s) -> s >= 40 ? Double.NaN : 2.0);
    advance(Duration.ofSeconds(30));

    drain();
    assertThat(seen.stream().filter(Alert::firing).map(Alert::alertId).distinct())
        .containsExactly("lr/nonfinite_loss");
  }

  @Test
  void shouldNotCallAJobPausedForACheckpointShorterThanTheLimitHung() {
    start(MonitorConfig.defaults());
    startRanks("ckpt", 4, 0, r -> "node-" + r);
    run("ckpt", 4, 0, 0, 100, (r, s) -> 100.0, (r, s) -> 2.0);
    advance(Duration.ofSeconds(45)); // every rank writes its shard
    run("ckpt", 4, 0, 100, 200, (r, s) -> 100.0, (r, s) -> 2.0);
    endRanks("ckpt", 4, 0, 200);
    advance(Duration.ofSeconds(30));

    assertThat(seen).isEmpty();
  }

  // helpers

  private interface PerRank {
    double at(int rank, int step);
  }

  /** Steps [from, to) of every rank, step by step, the wall clock moving 200 ms a step. */
  private void run(
      String job, int world, int attempt, int from, int to, PerRank computeMs, PerRank loss) {
    for (int step = from; step < to; step++) {
      for (int r = 0; r < world; r++) {
        double c = computeMs.at(r, step) * Math.exp(0.03 * rnd.nextGaussian());
        send(
            batch(run(job, r, attempt), step)
                .loss(loss.at(r, step))
                .build()
                .withPhases(10 * Math.exp(0.2 * rnd.nextGaussian()), c));
      }
      advance(Duration.ofMillis(WALL_STEP_MS));
    }
  }

  private void startRanks(String job, int world, int attempt, IntFunction<String> host) {
    for (int r = 0; r < world; r++) {
      send(
          Events.rankStarted(
              run(job, r, attempt), job, host.apply(r), r, world, "cuda:" + r, attempt));
    }
  }

  private void endRanks(String job, int world, int attempt, long step) {
    for (int r = 0; r < world; r++) {
      send(Events.ended(run(job, r, attempt), step));
    }
  }

  private static String run(String job, int rank, int attempt) {
    return job + "-a" + attempt + "-rank" + rank;
  }

  private List<Alert> firing(String rule) {
    drain();
    return seen.stream().filter(a -> a.firing() && a.rule().equals(rule)).toList();
  }

  private void advance(Duration d) {
    long left = d.toMillis();
    while (left > 0) {
      long step = Math.min(1000, left);
      driver.advanceWallClockTime(Duration.ofMillis(step));
      left -= step;
    }
    drain();
  }

  private void drain() {
    seen.addAll(alerts.readValuesToList());
  }

  private void start(MonitorConfig config) {
    topology = new TopologyFixture(stateDir, "fleet-lifecycle-test", config);
    driver = topology.driver;
    alerts = topology.alerts;
  }

  private void send(TrainingEvent e) {
    topology.send(e);
    drain();
  }
}
