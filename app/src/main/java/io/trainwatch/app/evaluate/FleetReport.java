package io.trainwatch.app.evaluate;

import io.trainwatch.schemas.Alert;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The fleet section of docs/detection-quality.md: simulated fleets through the monitor's topology,
 * scored job by job, and the per-run scenarios of spike triage and mixed precision.
 */
public final class FleetReport {

  /** Per-run scenarios that belong to the fleet story (issue 11): AMP and spike triage. */
  static final Set<String> TRIAGE_SCENARIOS =
      Set.of(
          "healthy-amp",
          "healthy-amp-conv",
          "amp-scale-collapse",
          "spike-recovers",
          "spike-persists");

  /** The scenario name of the straggler sweep (a delay distribution of one fault). */
  public static final String SWEEP = "straggler-sweep";

  private FleetReport() {}

  /**
   * The delays in steps of the sweep's stragglers, sorted; a straggler never named counts as {@link
   * Long#MAX_VALUE}.
   */
  public static List<Long> sweepDelays(List<SimulatedFleetEvaluation.Outcome> outcomes) {
    List<Long> out = new ArrayList<>();
    for (SimulatedFleetEvaluation.Outcome o : outcomes) {
      if (!o.scenario().equals(SWEEP)) {
        continue;
      }
      for (FleetCaseResult c : o.cases()) {
        if (!c.fleetCase().healthy()) {
          out.add(c.delaySteps().orElse(Long.MAX_VALUE));
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** "median m, max M steps, k of n within the bar": the sweep's distribution in one line. */
  public static String sweepSummary(List<Long> sorted) {
    if (sorted.isEmpty()) {
      return "no sweep";
    }
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    long within =
        sorted.stream().filter(d -> d <= SimulatedFleetEvaluation.STRAGGLER_5_BAR).count();
    long missed = sorted.stream().filter(d -> d == Long.MAX_VALUE).count();
    long max = sorted.stream().filter(d -> d != Long.MAX_VALUE).mapToLong(d -> d).max().orElse(-1);
    return String.format(
        Locale.ROOT,
        "median %s, max %d steps; %d of %d within %d steps%s",
        median == Math.rint(median) ? String.valueOf((long) median) : String.valueOf(median),
        max,
        within,
        n,
        SimulatedFleetEvaluation.STRAGGLER_5_BAR,
        missed > 0 ? ", " + missed + " not named" : "");
  }

  /**
   * Totals over the fleet scenarios.
   *
   * @param faultyCases labeled faults (jobs and the bad host)
   * @param detected of which detected in time by the right rule naming the right rank and host
   * @param healthyJobs healthy jobs
   * @param falseAlarms firing records on healthy jobs, plus alerts about nobody labeled
   * @param extraPages pages beyond one per faulty case
   * @param failing cases that miss the bar ("scenario subject")
   */
  public record Totals(
      int faultyCases,
      int detected,
      int healthyJobs,
      long falseAlarms,
      long extraPages,
      List<String> failing) {

    public boolean meetsBar() {
      return failing.isEmpty();
    }

    public String summary() {
      return String.format(
          Locale.ROOT,
          "fleet: %d/%d faults detected in time, %d false alarms on %d healthy jobs, %d pages"
              + " beyond one per incident: %s",
          detected,
          faultyCases,
          falseAlarms,
          healthyJobs,
          extraPages,
          meetsBar() ? "meets the bar" : "MISSES the bar (" + String.join(", ", failing) + ")");
    }
  }

  public static Totals totals(List<SimulatedFleetEvaluation.Outcome> outcomes) {
    int faulty = 0;
    int detected = 0;
    int healthy = 0;
    long falseAlarms = 0;
    long extra = 0;
    List<String> failing = new ArrayList<>();
    for (SimulatedFleetEvaluation.Outcome o : outcomes) {
      for (FleetCaseResult c : o.cases()) {
        if (c.fleetCase().healthy()) {
          healthy++;
          falseAlarms += c.falseAlarms();
        } else {
          faulty++;
          detected += c.detected() ? 1 : 0;
          extra += Math.max(0, c.pages() - 1);
        }
        if (!c.meetsBar()) {
          failing.add(o.scenario() + " " + c.fleetCase().subject());
        }
      }
      long stray = o.unattributed().stream().filter(Alert::firing).count();
      falseAlarms += stray;
      if (stray > 0) {
        failing.add(o.scenario() + " (alerts about nobody labeled)");
      }
    }
    return new Totals(faulty, detected, healthy, falseAlarms, extra, failing);
  }

  /** The Markdown section. */
  public static String markdown(
      List<SimulatedFleetEvaluation.Outcome> outcomes, List<ScenarioResult> perRun) {
    Totals t = totals(outcomes);
    StringBuilder md = new StringBuilder();
    md.append("\n## Fleet\n\n")
        .append(
            "Simulated fleets of synchronous data-parallel jobs (`io.trainwatch.simulator.SimulatedFleet`)")
        .append(
            " run through the monitor's real topology (run, job and host sub-topologies, their stores,")
        .append(
            " repartition topics and wall-clock punctuations) in Kafka Streams' `TopologyTestDriver`,")
        .append(
            " whose wall clock follows the fleet's: every event is piped at the time it would arrive, the")
        .append(
            " clock moves 1 s at a time between events and for 15 minutes after the last. The monitor")
        .append(" runs with its built-in configuration (no override).\n\n");
    md.append("| measure | value |\n|---|---|\n")
        .append(
            String.format(
                Locale.ROOT,
                "| faults detected by the right rule, naming the right rank and host, in time | %d / %d |%n",
                t.detected(),
                t.faultyCases()))
        .append(
            String.format(
                Locale.ROOT,
                "| false alarms (firing records on healthy jobs, alerts about anyone not at fault) | %d over"
                    + " %d healthy jobs |%n",
                t.falseAlarms(),
                t.healthyJobs()))
        .append(
            String.format(Locale.ROOT, "| pages beyond one per incident | %d |%n", t.extraPages()))
        .append("| meets the bar | ")
        .append(t.meetsBar() ? "yes" : "**no**: " + String.join(", ", t.failing()))
        .append(" |\n\n");
    md.append(
        "| fleet | jobs x ranks | hosts | preempted and restarted | events | simulated wall clock |"
            + " alerts | evaluated in |\n|---|---|---|---|---|---|---|---|\n");
    for (SimulatedFleetEvaluation.Outcome o : outcomes) {
      var spec = o.fleet().spec();
      long restarted = o.fleet().jobs().stream().filter(j -> j.attempts().size() > 1).count();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s: %s | %d x %d | %d | %d | %d | %.0f min | %d | %.0f s |%n",
              o.scenario(),
              o.description(),
              spec.jobs(),
              spec.world(),
              spec.hosts(),
              restarted,
              o.events(),
              (o.fleet().endMs() - io.trainwatch.simulator.SimulatedFleet.START_MS) / 60_000.0,
              o.alerts().stream().filter(Alert::firing).count(),
              o.seconds()));
    }
    md.append("\n### Per rule\n\n")
        .append(
            "| rule | fault | cases | detected in time | delay | bar |\n|---|---|---|---|---|---|\n");
    appendRule(md, outcomes, "straggler_rank", "slow_compute", 1.2, "20%+ slower compute");
    appendRule(md, outcomes, "straggler_rank", "slow_compute", 1.0, "5% slower compute");
    appendRule(md, outcomes, "straggler_rank", "slow_data", 0, "3x slower data loader");
    appendRule(md, outcomes, "rank_divergence", null, 0, "NaN on one rank");
    appendRule(md, outcomes, "job_hang", null, 0, "one rank hangs");
    appendRule(md, outcomes, "suspect_node", null, 0, "one accelerator fails in 2 jobs");
    List<Long> sweep = sweepDelays(outcomes);
    if (!sweep.isEmpty()) {
      md.append("| `straggler_rank` | 5% slower compute, the sweep (")
          .append(sweep.size())
          .append(" jobs) | ")
          .append(sweep.size())
          .append(" | ")
          .append(sweep.stream().filter(d -> d <= SimulatedFleetEvaluation.STRAGGLER_5_BAR).count())
          .append(" | ")
          .append(sweepSummary(sweep))
          .append(": ")
          .append(
              sweep.stream()
                  .map(d -> d == Long.MAX_VALUE ? "never" : String.valueOf(d))
                  .collect(Collectors.joining(", ")))
          .append(" | <= ")
          .append(SimulatedFleetEvaluation.STRAGGLER_5_BAR)
          .append(" steps |\n");
    }
    md.append("\n### Faults\n\n")
        .append(
            "| fleet | job / host | what | expected | fired (rule/diagnosis@step [rank, host]) | delay |"
                + " pages | result |\n|---|---|---|---|---|---|---|---|\n");
    for (SimulatedFleetEvaluation.Outcome o : outcomes) {
      for (FleetCaseResult c : o.cases()) {
        if (c.fleetCase().healthy()) {
          continue;
        }
        md.append("| ")
            .append(o.scenario())
            .append(" | ")
            .append(c.fleetCase().subject())
            .append(" | ")
            .append(c.fleetCase().description())
            .append(" | ")
            .append(c.expected())
            .append(" | ")
            .append(c.firedSummary().isEmpty() ? "-" : c.firedSummary())
            .append(" | ")
            .append(c.delaySummary())
            .append(" | ")
            .append(c.pages())
            .append(" | ")
            .append(
                !c.meetsBar()
                    ? "**FAIL**: " + String.join("; ", c.failures())
                    : o.scenario().equals(SWEEP)
                            && c.delaySteps().orElse(0L) > SimulatedFleetEvaluation.STRAGGLER_5_BAR
                        ? "named, **later than "
                            + SimulatedFleetEvaluation.STRAGGLER_5_BAR
                            + " steps**"
                        : "ok")
            .append(" |\n");
      }
    }
    List<String> healthyAlerts = new ArrayList<>();
    for (SimulatedFleetEvaluation.Outcome o : outcomes) {
      for (FleetCaseResult c : o.cases()) {
        if (c.fleetCase().healthy() && !c.firings().isEmpty()) {
          healthyAlerts.add(
              o.scenario()
                  + " "
                  + c.fleetCase().subject()
                  + " ("
                  + c.fleetCase().description()
                  + "): "
                  + c.firedSummary());
        }
      }
      for (Alert a : o.unattributed()) {
        if (a.firing()) {
          healthyAlerts.add(o.scenario() + ": " + a.alertId() + " " + a.summary());
        }
      }
    }
    md.append("\n**False alarms.** ")
        .append(
            healthyAlerts.isEmpty()
                ? "None: no healthy job (restarted ones included) raised anything, and no host but the"
                    + " bad one was suspected."
                : String.join("; ", healthyAlerts))
        .append("\n");
    List<ScenarioResult> triage =
        perRun.stream().filter(r -> TRIAGE_SCENARIOS.contains(r.scenario().name())).toList();
    if (!triage.isEmpty()) {
      md.append("\n### Spike triage and mixed precision\n\n")
          .append(
              "Real DL4J trainings of the per-run corpus above (AMP emulated as described below), repeated"
                  + " here because they are part of the fleet rules' bar: skipped steps never page, a spike")
          .append(
              " that recovers is a `loss_spike` warning only, one that does not pages `loss_divergence`"
                  + " once its recovery window is over.\n\n")
          .append("| scenario | what it does | fired | delay | result |\n|---|---|---|---|---|\n");
      for (ScenarioResult r : triage) {
        md.append("| ")
            .append(r.scenario().name())
            .append(" | ")
            .append(r.scenario().description())
            .append(" | ")
            .append(r.firedSummary().isEmpty() ? "nothing" : r.firedSummary())
            .append(" | ")
            .append(r.scenario().healthy() ? "-" : r.delaySummary())
            .append(" | ")
            .append(r.meetsBar() ? "ok" : "**FAIL**")
            .append(" |\n");
      }
    }
    md.append("\n**How the fleets are made.** ")
        .append(
            "200 jobs of 8 ranks (two half hosts of 4 accelerators on different hosts, scheduled as")
        .append(
            " half hosts free up) on 64 hosts of 8; 110-170 steps each of 150-600 ms compute. Healthy noise:")
        .append(
            " 3% per-step compute jitter, per-device offsets within +-1.5%, data waits of 5-15% of compute")
        .append(
            " with 20% jitter and 10x hiccups on 1% of steps, a diurnal drift of 1-2% (period shortened to")
        .append(
            " 20 min), checkpoints every 40-60 steps pausing 5-40 s (all ranks write shards, or rank 0")
        .append(
            " writes while the others wait), about 6% of jobs preempted and restarted as attempt + 1 from")
        .append(
            " their last checkpoint (in half of them one killed rank never sends `run_ended`). Faults in")
        .append(
            " the faulty fleet: 20% and 5% slower compute on one rank from step 40, a 3x slower data")
        .append(
            " loader, a rank hanging after the all-reduce (the others report the step and block), a NaN on")
        .append(
            " one rank that the next all-reduce spreads to all, and a bad accelerator on one host that")
        .append(
            " turns its rank NaN in one job and 25% slower in a later job on the same half host. Each")
        .append(
            " fault is on hosts no other fault touches. The straggler sweep: 60 jobs like those, 24")
        .append(
            " of them with one rank 5% slower in compute from a step between 40 and 60 (the rank, so its")
        .append(
            " device's offset, and the job's compute and data times drawn at random; hosts not shared")
        .append(" between stragglers), for the delay's distribution. Seeds are fixed.\n\n")
        .append(
            "**Delay.** Steps from the onset to the step of the detecting alert (`rank_divergence`: 0 =")
        .append(
            " the NaN step itself); a hang: the silence (wall-clock seconds without progress) the monitor")
        .append(
            " measured when it fired, against its limit max(60 s, 3 x the job's p99 step time, 1.5 x the longest pause it came back from up to 600 s).")
        .append(
            " **Bar**: 20% slower named within 10 steps, 5% within 50, a NaN rank at its step or the")
        .append(
            " next, a hang naming the culprit rank and host, `suspect_node` naming the bad host, no alert")
        .append(" on any healthy job, one page per incident.\n");
    return md.toString();
  }

  /** The section on real DL4J jobs ({@link RealJobEvaluation}). */
  public static String realJobs(RealJobEvaluation.Outcome o) {
    StringBuilder md = new StringBuilder();
    md.append("\n### Real DL4J jobs\n\n")
        .append("Data-parallel DL4J jobs of ")
        .append(RealJobEvaluation.WORLD_SIZE)
        .append(
            " ranks (`io.trainwatch.trainer.DataParallelTraining`): each rank a thread training its own"
                + " replica of the same MLP (64-64-32-10, SGD with Nesterov momentum, batch 32 per rank,"
                + " same seed) on its own shard of the generated data (positions rank, rank + 4, ... of"
                + " each epoch's shuffle), with a real all-reduce every step: once its gradient is"
                + " computed a rank waits for the others' and all apply the mean, so the replicas stay"
                + " equal and every rank's `step_ms` is the slowest rank's. Each rank publishes as its"
                + " rank (`job`, `rank`, `world_size`, `host`, `device`, `attempt`; `step_ms`, `data_ms`,"
                + " `compute_ms` on every batch) through its own `TrainwatchListener` and"
                + " `KafkaEventPublisher` to an embedded broker; the events are read back from"
                + " `trainwatch.events` and piped through the monitor's topology at their timestamps,"
                + " as the fleets above (the clock then runs on for 5 minutes), with the built-in"
                + " configuration. Faults (`RankFault`), all on rank ")
        .append(RealJobEvaluation.FAULTY_RANK)
        .append(" from step ")
        .append(RealJobEvaluation.ONSET)
        .append(
            ": its compute phase takes 20% or 5% longer (each step, once its gradient is computed, it"
                + " spends that fraction of the compute time it measured before joining the"
                + " all-reduce); it hangs after the all-reduce, in its optimizer step (its peers report"
                + " the step and block in the next collective; the job is then killed without a"
                + " word); its batch holds a NaN (the all-reduce spreads it to every rank at the next"
                + " step).\n\n")
        .append(
            "**Timing on a shared host.** The ranks are threads of one JVM on this machine's CPU, so"
                + " they take turns to compute (one at a time, the order rotating every step), as ranks"
                + " on accelerators of their own would not wait for each other, and `compute_ms` is"
                + " measured in the rank thread's CPU time (`TrainwatchListener.Builder.computeClock"
                + "(THREAD_CPU)`, with ND4J on one native thread): on a loaded 2-core host a"
                + " millisecond-long step's wall time mostly measures the scheduler. What is left is")
        .append(
            " reported as *noise*: a robust standard deviation of ln(rank's `compute_ms` / the other"
                + " ranks' median) over the healthy ranks' steps from step ")
        .append(RealJobEvaluation.WARM_UP)
        .append(". `straggler_rank` can see a 20% slowdown within 10 steps only if it is under ")
        .append(RealJobEvaluation.MAX_NOISE_FOR_20_PERCENT)
        .append(", a 5% one within 50 under ")
        .append(RealJobEvaluation.MAX_NOISE_FOR_5_PERCENT)
        .append(
            " (its tolerance 1.5%, 4 standard errors); above, those verdicts (and a healthy job's"
                + " `straggler_rank`) are shown but not c.\n\n");
    md.append("| measure | value |\n|---|---|\n")
        .append("| summary | ")
        .append(o.summary())
        .append(" |\n")
        .append(String.format(Locale.ROOT, "| evaluated in | %.0f s |%n", o.seconds()));
    md.append(
        "\n| job | what | expected | fired (rule/diagnosis@step [rank, host]) | delay | pages |"
            + " rank "
            + RealJobEvaluation.FAULTY_RANK
            + "'s compute_ms / peers' (median) | noise | steps, ms/step | result |\n"
            + "|---|---|---|---|---|---|---|---|---|---|\n");
    for (RealJobEvaluation.JobOutcome j : o.jobs()) {
      FleetCaseResult c = j.result();
      md.append("| ")
          .append(c.fleetCase().subject())
          .append(" | ")
          .append(c.fleetCase().description())
          .append(" | ")
          .append(c.expected())
          .append(" | ")
          .append(c.firedSummary().isEmpty() ? "-" : c.firedSummary())
          .append(" | ")
          .append(c.fleetCase().healthy() ? "-" : c.delaySummary())
          .append(" | ")
          .append(c.pages())
          .append(" | ")
          .append(
              Double.isFinite(j.computeRatio())
                  ? String.format(Locale.ROOT, "%.3f", j.computeRatio())
                  : "-")
          .append(" | ")
          .append(String.format(Locale.ROOT, "%.3f", j.noise()))
          .append(" | ")
          .append(
              String.format(
                  Locale.ROOT,
                  "%d, %.1f",
                  j.report().ranks().stream().mapToInt(r -> r.stepsRun()).max().orElse(0),
                  j.medianStepMs()))
          .append(" | ")
          .append(j.verdict())
          .append(" |\n");
    }
    return md.toString();
  }

  private static void appendRule(
      StringBuilder md,
      List<SimulatedFleetEvaluation.Outcome> outcomes,
      String rule,
      String diagnosis,
      double minFactor,
      String label) {
    List<FleetCaseResult> cases = new ArrayList<>();
    for (SimulatedFleetEvaluation.Outcome o : outcomes) {
      if (o.scenario().equals(SWEEP)) {
        continue; // its own row: a distribution
      }
      for (FleetCaseResult c : o.cases()) {
        FleetCase f = c.fleetCase();
        if (!rule.equals(f.expectedRule())
            || (diagnosis != null && !diagnosis.equals(f.expectedDiagnosis()))) {
          continue;
        }
        if (rule.equals("straggler_rank") && "slow_compute".equals(diagnosis)) {
          boolean large = f.maxDelaySteps() == SimulatedFleetEvaluation.STRAGGLER_20_BAR;
          if (large != (minFactor >= 1.2)) {
            continue;
          }
        }
        cases.add(c);
      }
    }
    if (cases.isEmpty()) {
      return;
    }
    long ok = cases.stream().filter(FleetCaseResult::detected).count();
    String delays =
        cases.stream().map(FleetCaseResult::delaySummary).collect(Collectors.joining(", "));
    String bar =
        switch (rule) {
          case "straggler_rank" -> "<= " + cases.get(0).fleetCase().maxDelaySteps() + " steps";
          case "rank_divergence" -> "<= " + SimulatedFleetEvaluation.DIVERGENCE_BAR + " step";
          case "job_hang" -> "names the rank and host";
          default -> "names the host";
        };
    md.append("| `")
        .append(rule)
        .append("` | ")
        .append(label)
        .append(" | ")
        .append(cases.size())
        .append(" | ")
        .append(ok)
        .append(" | ")
        .append(delays)
        .append(" | ")
        .append(bar)
        .append(" |\n");
  }
}
