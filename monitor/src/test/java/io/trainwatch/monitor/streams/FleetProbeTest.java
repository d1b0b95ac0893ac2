package io.trainwatch.monitor.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.testing.ProbeFleet;
import io.trainwatch.monitor.testing.ProbeFleet.Spec;
import io.trainwatch.schemas.Alert;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance probes of the fleet rules with jobs from an independent generator ({@link ProbeFleet}:
 * hand-written contract JSON, other trainers' logging and timing habits, other producers'
 * delivery), through the real topology. Each scenario counts the alerts per rule.
 */
class FleetProbeTest {

  @TempDir Path stateDir;

  /** What a scenario raised. */
  record Outcome(List<Alert> alerts, int deadLetters) {

    List<Alert> firing(String rule) {
      return alerts.stream().filter(a -> a.firing() && a.rule().equals(rule)).toList();
    }

    List<Alert> firing() {
      return alerts.stream().filter(Alert::firing).toList();
    }

    /** Firing alerts per rule, e.g. {job_hang=1}. */
    Map<String, Integer> counts() {
      Map<String, Integer> m = new TreeMap<>();
      firing().forEach(a -> m.merge(a.rule(), 1, Integer::sum));
      return m;
    }

    String describe() {
      StringBuilder b = new StringBuilder();
      for (Alert a : firing()) {
        b.append("\n  ")
            .append(a.alertId())
            .append(" ")
            .append(a.severity().wire())
            .append(" ")
            .append(a.diagnosis())
            .append(" step ")
            .append(a.step())
            .append(" ")
            .append(a.evidence());
      }
      return b.toString();
    }
  }

  /** Runs jobs through the real topology, then lets {@code tailSeconds} of wall clock pass. */
  Outcome run(MonitorConfig config, long tailSeconds, Spec... specs) {
    List<ProbeFleet.Event> all = new ArrayList<>();
    for (Spec s : specs) {
      all.addAll(ProbeFleet.events(s));
    }
    return run(config, tailSeconds, all);
  }

  /** Runs events through the real topology, then lets {@code tailSeconds} of wall clock pass. */
  Outcome run(MonitorConfig config, long tailSeconds, List<ProbeFleet.Event> events) {
    List<ProbeFleet.Event> all = new ArrayList<>(events);
    all.sort(Comparator.comparingLong(ProbeFleet.Event::wallMs));
    Path dir = stateDir.resolve("s" + System.nanoTime());
    try (TopologyFixture f = new TopologyFixture(dir, "fleet-probe", config)) {
      long base = all.get(0).wallMs();
      long now = base;
      List<Alert> out = new ArrayList<>();
      for (ProbeFleet.Event e : all) {
        if (e.wallMs() > now) {
          f.driver.advanceWallClockTime(Duration.ofMillis(e.wallMs() - now));
          now = e.wallMs();
        }
        f.events.pipeInput(
            e.runId().getBytes(StandardCharsets.UTF_8),
            e.json().getBytes(StandardCharsets.UTF_8),
            e.tsMs());
      }
      for (long s = 0; s < tailSeconds; s += 5) {
        f.driver.advanceWallClockTime(Duration.ofSeconds(5));
      }
      out.addAll(f.alerts.readValuesToList());
      return new Outcome(out, f.deadLetters.readValuesToList().size());
    }
  }

  Outcome run(Spec... specs) {
    return run(MonitorConfig.defaults(), 120, specs);
  }

  static Spec spec(String job, long seed, Consumer<Spec> settings) {
    Spec s = new Spec();
    s.job = job;
    s.seed = seed;
    s.hostPrefix = job + "-node";
    settings.accept(s);
    return s;
  }

  /** Alert ids that fired and have no later resolved record. */
  static List<String> leftOpen(List<Alert> alerts) {
    Map<String, Boolean> open = new java.util.LinkedHashMap<>();
    for (Alert a : alerts) {
      open.put(a.alertId(), a.firing());
    }
    return open.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
  }

  @Test
  void shouldResolveTheOldAttemptsIncidentsWhenTheJobRestarts() {
    // Rank 3 turns NaN at step 150 and the job dies there (no run_ended: the processes were
    // killed); 90 s later torchrun starts attempt 1 from step 100, which runs and completes.
    Spec s =
        spec(
            "restarted",
            5,
            j -> {
              j.nanRank = 3;
              j.nanAt = 150;
              j.restartAt = 160;
              j.resumeFrom = 100;
              j.iterations = 260;
            });
    Outcome o = run(MonitorConfig.defaults(), 120, s);

    assertThat(o.firing("rank_divergence")).as(o.describe()).hasSize(1);
    assertThat(o.firing("job_hang")).as(o.describe()).hasSize(1);
    // The restart ends the old attempt's incidents: none stays open downstream forever.
    assertThat(leftOpen(o.alerts())).as(o.describe()).isEmpty();
  }

  @Test
  void shouldSayThatAJobsGroupedPageResolvedBecauseTheJobRestarted() {
    // Every rank turns NaN at step 101 (the model diverged): one grouped nonfinite_loss page. The
    // job dies there and attempt 1 starts 90 s later: the page resolves with the restart, and
    // says so (not "every rank's alert resolved": none did).
    Spec s =
        spec(
            "diverged",
            6,
            j -> {
              j.nanAt = 100; // no rank alone: everyone from the next step
              j.restartAt = 110;
              j.resumeFrom = 50;
              j.iterations = 200;
            });
    Outcome o = run(MonitorConfig.defaults(), 120, s);

    assertThat(o.firing("nonfinite_loss")).as(o.describe()).hasSize(1);
    Alert resolved =
        o.alerts().stream()
            .filter(a -> !a.firing() && a.rule().equals("nonfinite_loss"))
            .findFirst()
            .orElseThrow();
    assertThat(resolved.evidence()).containsEntry("attempt", 1L);
    assertThat(resolved.summary()).contains("restarted");
    assertThat(leftOpen(o.alerts())).as(o.describe()).isEmpty();
  }

  @Test
  void shouldLeaveARunAloneWithARankButNoWorldSizeToTheStallRule() {
    // One process that says job and rank 0 and no world size (as v1 producers' single runs do), and
    // stops without run_ended: a run alone, its stall stalled_run's, paged once, not a job_hang.
    Spec s =
        spec(
            "alone",
            2,
            j -> {
              j.ranks = 1;
              j.declaredWorld = null;
              j.finish = false;
              j.iterations = 100;
            });
    Outcome o = run(MonitorConfig.defaults(), 900, s);

    assertThat(o.firing("job_hang")).as(o.describe()).isEmpty();
    assertThat(o.firing()).as(o.describe()).hasSizeLessThanOrEqualTo(1);
  }

  @Test
  void shouldNotCallAJobThatCompletedOnRankZeroAHang() {
    // A common pattern: `if rank == 0: run.finish()`. Rank 0 says completed, the other 7 ranks
    // exit without run_ended. In synchronous training rank 0 completes only after every rank's
    // last all-reduce: the job finished, nobody hangs.
    Spec s =
        spec(
            "done",
            3,
            j -> {
              j.onlyRank0Ends = true;
              j.iterations = 200;
            });
    Outcome o = run(MonitorConfig.defaults(), 1200, s);

    assertThat(o.firing()).as(o.describe()).isEmpty();
  }

  @Test
  void shouldStillPageAHangWhenOneRankFailedAndTheOthersWait() {
    // Rank 2 fails (run_ended failed) after step 120; the others wait in the next all-reduce
    // until NCCL's timeout: a real hang, whatever run_ended said.
    Spec s =
        spec(
            "failed",
            4,
            j -> {
              j.allHangAt = 120;
              j.finish = false;
            });
    List<ProbeFleet.Event> events = new ArrayList<>(ProbeFleet.events(s));
    ProbeFleet.Event last = events.get(events.size() - 1);
    events.add(
        new ProbeFleet.Event(
            last.wallMs() + 1000,
            ProbeFleet.runId(s, 0, 2),
            last.tsMs() + 1000,
            "{\"schema_version\":1,\"type\":\"run_ended\",\"run_id\":\""
                + ProbeFleet.runId(s, 0, 2)
                + "\",\"ts_ms\":"
                + (last.tsMs() + 1000)
                + ",\"status\":\"failed\",\"reason\":\"RuntimeError: CUDA error\"}",
            Integer.MAX_VALUE));
    Outcome o = run(MonitorConfig.defaults(), 120, events);

    assertThat(o.firing("job_hang")).as(o.describe()).hasSize(1);
  }

  /**
   * Alerts the survey raises on jobs that are healthy by the generator's own account, each for a
   * stated reason; anything else fails it.
   */
  static final Map<String, java.util.Set<String>> KNOWN_ON_HEALTHY =
      Map.of(
          // Handed to straggler3 (notes/straggler3-inbox.md): a per-rank AR(1) of sd 3.2%.
          "ar1 drift", java.util.Set.of("straggler_rank"),
          // The processes were killed without run_ended and the restart took 90 s: the job did
          // stop; the page resolves when attempt 1 starts.
          "restart resume", java.util.Set.of("job_hang"),
          // Documented: a job whose first checkpoint takes longer than min_seconds pages at it.
          "long checkpoint 90s", java.util.Set.of("job_hang"),
          // Ranks 4-7 say rank >= world_size: their run_started is dead-lettered, so their token
          // ids are judged as features.
          "world_size wrong 4", java.util.Set.of("unnormalized_input"),
          // A warning by design (issue 11: a spike that recovers is a loss_spike warning).
          "spike recovers", java.util.Set.of("loss_spike"));

  @Test
  @EnabledIfSystemProperty(named = "trainwatch.probe", matches = "true")
  void survey() {
    Map<String, Consumer<Spec>> healthy = new java.util.LinkedHashMap<>();
    healthy.put("baseline", s -> {});
    healthy.put("step_ms only", s -> s.phases = ProbeFleet.Phases.NONE);
    healthy.put("compute on even ranks", s -> s.phases = ProbeFleet.Phases.EVEN_RANKS);
    healthy.put("only rank 0 logs", s -> s.onlyRank0Logs = true);
    healthy.put("log every 10", s -> s.logEvery = 10);
    healthy.put("steps from 1", s -> s.firstStep = 1);
    healthy.put("offset steps", s -> s.stepOffset = new int[] {0, 1, 0, 1, 0, 1, 0, 1});
    healthy.put("accumulation 4", s -> s.accumulation = 4);
    healthy.put("world_size missing", s -> s.declaredWorld = null);
    healthy.put("world_size wrong 16", s -> s.declaredWorld = 16);
    healthy.put("world_size wrong 4", s -> s.declaredWorld = 4);
    healthy.put(
        "restart resume",
        s -> {
          s.restartAt = 150;
          s.resumeFrom = 100;
        });
    healthy.put(
        "elastic restart 8->6 renamed",
        s -> {
          s.restartAt = 150;
          s.resumeFrom = 100;
          s.restartRanks = 6;
          s.restartHostPrefix = s.job + "-new";
          s.restartEndsOldRuns = true;
        });
    healthy.put("only rank 0 sends run_ended", s -> s.onlyRank0Ends = true);
    healthy.put("lognormal 0.15", s -> s.computeSigma = 0.15);
    healthy.put("pareto data", s -> s.paretoAlpha = 1.5);
    healthy.put(
        "ar1 drift",
        s -> {
          s.ar1Phi = 0.95;
          s.ar1Sigma = 0.01;
        });
    healthy.put(
        "diurnal 2%",
        s -> {
          s.diurnalAmplitude = 0.02;
          s.diurnalPeriodSteps = 200;
        });
    healthy.put(
        "checkpoint every 50",
        s -> {
          s.checkpointEvery = 50;
          s.checkpointMs = 45_000;
        });
    healthy.put(
        "long checkpoint 90s",
        s -> {
          s.checkpointEvery = 100;
          s.checkpointMs = 90_000;
        });
    healthy.put("eval every 40", s -> s.evalEvery = 40);
    healthy.put("warm-up 30x", s -> s.warmupFactor = 30);
    healthy.put("all ranks slow", s -> s.allSlowFrom = 150);
    healthy.put("duplicates", s -> s.duplicateProbability = 0.1);
    healthy.put("reordered", s -> s.reorderWindow = 5);
    healthy.put("partition lag 20s", s -> s.partitionLagMs = new long[] {0, 20_000, 5_000});
    healthy.put("clock skew 3min", s -> s.hostSkewMs = new long[] {0, 180_000});
    healthy.put("clock skew -3min", s -> s.hostSkewMs = new long[] {0, -180_000});
    healthy.put("no grad norm", s -> s.gradNorm = false);
    healthy.put(
        "amp skips",
        s -> {
          s.amp = true;
          s.ampSkipsAtStart = 8;
          s.ampSkipProbability = 0.01;
        });
    healthy.put(
        "spike recovers",
        s -> {
          s.spikeAt = 150;
          s.spikeLength = 3;
        });
    healthy.put(
        "slow steps 5s",
        s -> {
          s.computeMs = 5_000;
          s.iterations = 80;
        });
    StringBuilder table = new StringBuilder("\nscenario | seeds | firing alerts");
    List<String> unexpected = new ArrayList<>();
    for (var e : healthy.entrySet()) {
      Map<String, Integer> total = new TreeMap<>();
      StringBuilder detail = new StringBuilder();
      for (long seed = 1; seed <= 3; seed++) {
        Outcome o = run(spec("probe", seed, e.getValue()));
        o.counts().forEach((k, v) -> total.merge(k, v, Integer::sum));
        if (o.deadLetters() > 0) {
          total.merge("(dead letters)", o.deadLetters(), Integer::sum);
        }
        if (!o.firing().isEmpty()) {
          detail.append("\n seed ").append(seed).append(o.describe());
        }
      }
      table.append("\n").append(e.getKey()).append(" | 3 | ").append(total).append(detail);
      java.util.Set<String> allowed = KNOWN_ON_HEALTHY.getOrDefault(e.getKey(), java.util.Set.of());
      total.keySet().stream()
          .filter(rule -> !rule.startsWith("(") && !allowed.contains(rule))
          .forEach(rule -> unexpected.add(e.getKey() + ": " + rule));
    }
    System.out.println(table);
    assertThat(unexpected).as("alerts on healthy jobs").isEmpty();
  }

  /** The rule each fault of {@code faults} must raise. */
  static final Map<String, String> EXPECTED_FAULT =
      Map.ofEntries(
          Map.entry("nan rank 3 @150", "rank_divergence"),
          // Not a rank of a job without world_size (contract): the ranks page one by one.
          Map.entry("nan rank 3 @150, world_size missing", "nonfinite_loss"),
          Map.entry("nan rank 3 @150, step_ms only, every 10", "rank_divergence"),
          Map.entry("hang rank 5 @150", "job_hang"),
          Map.entry("hang rank 5 @150, logging every 10", "job_hang"),
          Map.entry("all hang @150", "job_hang"),
          Map.entry("all hang @150, only rank 0 logs", "job_hang"),
          Map.entry("hang after restart resume", "job_hang"),
          Map.entry("straggler 20% rank 6 @100", "straggler_rank"),
          Map.entry("straggler 5% rank 6 @100", "straggler_rank"),
          Map.entry("slow data 20% rank 6 @100", "straggler_rank"),
          Map.entry("spike stays @150", "loss_divergence"),
          Map.entry("scale collapse @150", "loss_scale_collapse"));

  @Test
  @EnabledIfSystemProperty(named = "trainwatch.probe", matches = "true")
  void faults() {
    Map<String, Consumer<Spec>> faults = new java.util.LinkedHashMap<>();
    faults.put(
        "nan rank 3 @150",
        s -> {
          s.nanRank = 3;
          s.nanAt = 150;
          s.finish = false;
          s.iterations = 170;
        });
    faults.put(
        "nan rank 3 @150, world_size missing",
        s -> {
          s.nanRank = 3;
          s.nanAt = 150;
          s.finish = false;
          s.iterations = 170;
          s.declaredWorld = null;
        });
    faults.put(
        "nan rank 3 @150, step_ms only, every 10",
        s -> {
          s.nanRank = 3;
          s.nanAt = 150;
          s.finish = false;
          s.iterations = 200;
          s.phases = ProbeFleet.Phases.NONE;
          s.logEvery = 10;
        });
    faults.put(
        "hang rank 5 @150",
        s -> {
          s.hangRank = 5;
          s.hangAt = 150;
        });
    faults.put(
        "hang rank 5 @150, logging every 10",
        s -> {
          s.hangRank = 5;
          s.hangAt = 155;
          s.logEvery = 10;
        });
    faults.put("all hang @150", s -> s.allHangAt = 150);
    faults.put(
        "all hang @150, only rank 0 logs",
        s -> {
          s.allHangAt = 150;
          s.onlyRank0Logs = true;
        });
    faults.put(
        "hang after restart resume",
        s -> {
          s.restartAt = 100;
          s.resumeFrom = 60;
          s.hangRank = 2;
          s.hangAt = 200;
        });
    faults.put(
        "straggler 20% rank 6 @100",
        s -> {
          s.slowRank = 6;
          s.slowFrom = 100;
          s.slowFactor = 1.2;
        });
    faults.put(
        "straggler 5% rank 6 @100",
        s -> {
          s.slowRank = 6;
          s.slowFrom = 100;
          s.slowFactor = 1.05;
        });
    faults.put(
        "slow data 20% rank 6 @100",
        s -> {
          s.slowRank = 6;
          s.slowFrom = 100;
          s.slowData = true;
        });
    faults.put(
        "spike stays @150",
        s -> {
          s.spikeAt = 150;
          s.spikeLength = -1;
        });
    faults.put(
        "scale collapse @150",
        s -> {
          s.amp = true;
          s.ampSkipsAtStart = 6;
          s.scaleCollapseAt = 150;
          s.finish = false;
          s.iterations = 200;
        });
    StringBuilder table = new StringBuilder("\nfault | seed | firing alerts");
    List<String> missed = new ArrayList<>();
    for (var e : faults.entrySet()) {
      for (long seed = 1; seed <= 2; seed++) {
        Outcome o = run(spec("probe", seed, e.getValue()));
        table
            .append("\n")
            .append(e.getKey())
            .append(" | ")
            .append(seed)
            .append(" | ")
            .append(o.counts())
            .append(o.deadLetters() > 0 ? " dead letters " + o.deadLetters() : "")
            .append(o.describe());
        String expected = EXPECTED_FAULT.get(e.getKey());
        if (o.firing(expected).isEmpty()) {
          missed.add(e.getKey() + " seed " + seed + ": no " + expected);
        }
      }
    }
    System.out.println(table);
    assertThat(missed).as("faults not found").isEmpty();
  }

  @Test
  @EnabledIfSystemProperty(named = "trainwatch.probe", matches = "true")
  void suspectNode() {
    List<Spec> specs = new ArrayList<>();
    // A bad host: rank 11 of job bad0 and rank 3 of job bad1 run on host shared-1.
    for (int j = 0; j < 2; j++) {
      int jj = j;
      specs.add(
          spec(
              "bad" + j,
              10 + j,
              s -> {
                s.ranks = 16;
                s.nanRank = jj == 0 ? 11 : 3; // both on host shared-1
                s.nanAt = 100 + 20 * jj;
                s.finish = false;
                s.iterations = 160;
                s.hostPrefix = "shared";
                s.hostOffset = jj;
              }));
    }
    // A busy healthy host: rank 0..7 of 10 jobs share host "busy-0" (the hostPrefix).
    for (int j = 0; j < 10; j++) {
      specs.add(
          spec(
              "busy" + j,
              20 + j,
              s -> {
                s.hostPrefix = "busy";
                s.ranksPerHost = 1;
                s.ranks = 4;
                s.iterations = 160;
              }));
    }
    Outcome o = run(MonitorConfig.defaults(), 120, specs.toArray(Spec[]::new));
    System.out.println("\nsuspect node probe: " + o.counts() + o.describe());
    assertThat(o.firing("suspect_node")).as(o.describe()).hasSize(1);
    assertThat(o.firing("suspect_node").get(0).evidence()).containsEntry("host", "shared-1");
  }

  @Test
  @EnabledIfSystemProperty(named = "trainwatch.probe", matches = "true")
  void crashLoop() {
    // Four attempts in quick succession, each NaN on rank 3 at its 30th step (from the same
    // checkpoint: steps 0-32 again), each ending failed; 15 s between attempts.
    List<Spec> specs = new ArrayList<>();
    for (int a = 0; a < 4; a++) {
      int aa = a;
      specs.add(
          spec(
              "loop",
              40 + a,
              s -> {
                s.firstAttempt = aa;
                s.startMs += aa * 60_000L;
                s.iterations = 40;
                s.nanRank = 3;
                s.nanAt = 30;
                s.endAfterNan = true;
                s.endStatus = "failed";
              }));
    }
    Outcome o = run(MonitorConfig.defaults(), 120, specs.toArray(Spec[]::new));
    System.out.println(
        "\ncrash loop probe: " + o.counts() + " left open " + leftOpen(o.alerts()) + o.describe());
    assertThat(o.firing("crash_loop")).as(o.describe()).hasSize(1);
  }
}
