package io.trainwatch.app;

import io.trainwatch.app.evaluate.Corpus;
import io.trainwatch.app.evaluate.DetectionQualityReport;
import io.trainwatch.app.evaluate.Evaluation;
import io.trainwatch.app.evaluate.FleetCaseResult;
import io.trainwatch.app.evaluate.FleetReport;
import io.trainwatch.app.evaluate.RealJobEvaluation;
import io.trainwatch.app.evaluate.Scenario;
import io.trainwatch.app.evaluate.ScenarioResult;
import io.trainwatch.app.evaluate.SimulatedFleetEvaluation;
import io.trainwatch.cli.Progress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trainwatch evaluate}: runs the labeled corpus through the real system and writes the
 * quality table.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the detection-quality corpus through an embedded broker and the monitor, and writes delays and false"
          + " alarms.",
      "The corpus is real DL4J trainings: healthy variants, every trainer fault, mid-run faults. The report has"
          + " per-scenario delays, false alarms and totals.",
      "Exit code 1 if a scenario misses the bar and is not a documented known gap."
    })
final class EvaluateCommand implements Callable<Integer> {

  @Option(
      names = "--out",
      defaultValue = "docs/detection-quality.md",
      paramLabel = "FILE",
      description = "Where to write the Markdown report (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--parallel",
      defaultValue = "2",
      paramLabel = "N",
      description = "Trainings run at the same time (default: ${DEFAULT-VALUE}).")
  int parallel;

  @Option(
      names = "--fleet",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Also evaluate the simulated fleets (200 jobs x 8 ranks on 64 hosts, with faults and a bad"
              + " host, and a healthy control) through the monitor's topology (default: on;"
              + " --no-fleet skips them).")
  boolean fleet;

  @Option(
      names = "--real-jobs",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Also evaluate real DL4J data-parallel jobs (4 ranks with an all-reduce per step: healthy,"
              + " a rank 20%% and one 5%% slower, a hung rank, a NaN rank) through the monitor's"
              + " topology (default: on; --no-real-jobs skips them).")
  boolean realJobs;

  @Override
  public Integer call() throws Exception {
    if (parallel < 1) {
      throw new IllegalArgumentException("--parallel=" + parallel + ": must be >= 1");
    }
    // The output is one line per training and the totals; the components' start-up chatter would
    // bury them.
    for (String logger :
        List.of("io.trainwatch.monitor", "io.trainwatch.trainer", "io.trainwatch.broker")) {
      System.setProperty("org.slf4j.simpleLogger.log." + logger, "warn");
    }
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    List<Scenario> corpus = Corpus.standard("eval-");
    System.out.printf("evaluating %d scenarios, %d at a time%n", corpus.size(), parallel);
    Progress progress = Progress.start(corpus.size());
    List<ScenarioResult> results =
        Evaluation.run(
            corpus,
            parallel,
            line ->
                System.out.println(
                    line.startsWith("monitor not settled")
                        ? "  " + line
                        : "  " + progress.step() + ": " + line));
    String md =
        DetectionQualityReport.markdown(
            results, Instant.now(), "./trainwatch evaluate", Evaluation.MONITOR_SETTINGS, parallel);
    List<SimulatedFleetEvaluation.Outcome> fleets = new ArrayList<>();
    if (fleet) {
      System.out.println("evaluating the simulated fleets");
      fleets.add(
          SimulatedFleetEvaluation.run(
              "faulty-fleet",
              "faults in 10 jobs, one bad host",
              SimulatedFleetEvaluation.faultyFleet()));
      System.out.println("  faulty-fleet: " + FleetReport.totals(fleets).summary());
      fleets.add(
          SimulatedFleetEvaluation.run(
              FleetReport.SWEEP,
              SimulatedFleetEvaluation.SWEEP_STRAGGLERS + " ranks 5% slower in compute, 1 per job",
              SimulatedFleetEvaluation.stragglerSweep()));
      fleets.add(
          SimulatedFleetEvaluation.run(
              "healthy-fleet", "healthy jobs only", SimulatedFleetEvaluation.healthyFleet()));
      md += FleetReport.markdown(fleets, results);
    }
    RealJobEvaluation.Outcome jobs = null;
    if (realJobs) {
      System.out.println("evaluating the real DL4J jobs");
      jobs =
          RealJobEvaluation.run(RealJobEvaluation.jobs(), line -> System.out.println("  " + line));
      md += FleetReport.realJobs(jobs);
    }
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, md, StandardCharsets.UTF_8);
    DetectionQualityReport.Totals t = DetectionQualityReport.totals(results);
    System.out.println(t.summary());
    FleetReport.Totals ft = FleetReport.totals(fleets);
    if (fleet) {
      System.out.println(ft.summary());
      for (SimulatedFleetEvaluation.Outcome o : fleets) {
        for (FleetCaseResult c : o.cases()) {
          if (!c.meetsBar()) {
            System.out.println(
                "  " + o.scenario() + " " + c.fleetCase().subject() + ": " + c.failures());
          }
        }
      }
    }
    if (jobs != null) {
      System.out.println(jobs.summary());
    }
    for (ScenarioResult r : results) {
      if (!r.meetsBar()) {
        System.out.println("  " + r.scenario().name() + ": " + String.join("; ", r.failures()));
      }
    }
    System.out.println("wrote " + out);
    return t.onlyKnownGapsMissed() && ft.meetsBar() && (jobs == null || jobs.meetsBar()) ? 0 : 1;
  }
}
