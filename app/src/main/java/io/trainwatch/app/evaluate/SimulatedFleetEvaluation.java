package io.trainwatch.app.evaluate;

import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.alerting.HintCatalog;
import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.streams.MonitorTopology;
import io.trainwatch.monitor.streams.StateSerdes;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.schemas.Topics;
import io.trainwatch.simulator.SimulatedFleet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * Runs a {@link SimulatedFleet} through the monitor's real topology ({@link MonitorTopology}, its
 * stores, repartition topics and wall-clock punctuations) in a {@link TopologyTestDriver}, whose
 * wall clock follows the simulated fleet's: hours of fleet time in seconds, with the monitor's
 * built-in configuration. Then labels every job (and the bad host) and scores what was said.
 */
public final class SimulatedFleetEvaluation {

  /** The bar for a 20% (or larger) slowdown, in steps after the onset. */
  public static final int STRAGGLER_20_BAR = 10;

  /** The bar for a 5% slowdown, in steps after the onset. */
  public static final int STRAGGLER_5_BAR = 50;

  /** The bar for a NaN on one rank: the step itself or the next. */
  public static final int DIVERGENCE_BAR = 1;

  /** Wall-clock time the monitor keeps running after the fleet's last event (hangs, stalls). */
  static final Duration AFTERMATH = Duration.ofMinutes(15);

  /** The wall clock advances at most this much at once (between events, and after the last). */
  static final long TICK_MS = 1_000;

  private SimulatedFleetEvaluation() {}

  /** A fleet scenario's outcome. */
  public record Outcome(
      String scenario,
      String description,
      SimulatedFleet fleet,
      List<FleetCaseResult> cases,
      List<Alert> alerts,
      long events,
      double seconds) {

    /** Alerts about nobody labeled: suspect_node on an innocent host, a job not in the fleet. */
    public List<Alert> unattributed() {
      List<Alert> out = new ArrayList<>();
      for (Alert a : alerts) {
        if (cases.stream().noneMatch(c -> c.alerts().contains(a))) {
          out.add(a);
        }
      }
      return out;
    }
  }

  /** The fleet of the evaluation: 200 jobs x 8 ranks on 64 hosts, with faults and a bad host. */
  public static SimulatedFleet.Spec faultyFleet() {
    return new SimulatedFleet.Spec(200, 8, 64, 2026, true);
  }

  /** The control: the same fleet's size, healthy jobs only. */
  public static SimulatedFleet.Spec healthyFleet() {
    return new SimulatedFleet.Spec(200, 8, 64, 7, false);
  }

  /** A sweep straggler is in time when named before its job ends (its steps after the onset). */
  static final int SWEEP_CASE_BAR = 10_000;

  /** Stragglers in the sweep: enough for a delay distribution. */
  public static final int SWEEP_STRAGGLERS = 24;

  /**
   * The straggler sweep: 60 jobs x 8 ranks on 64 hosts, {@value #SWEEP_STRAGGLERS} of them with a
   * rank 5% slower in compute (a random rank, so a random device offset, from a step between 40 and
   * 60, each job with its own compute and data times), the others healthy.
   */
  public static SimulatedFleet stragglerSweep() {
    return SimulatedFleet.withStragglers(
        new SimulatedFleet.Spec(60, 8, 64, 11, false), SWEEP_STRAGGLERS, 1.05);
  }

  /** Simulates and evaluates one fleet with the monitor's built-in configuration. */
  public static Outcome run(String scenario, String description, SimulatedFleet.Spec spec)
      throws IOException {
    return run(scenario, description, SimulatedFleet.generate(spec));
  }

  /** Evaluates a simulated fleet with the monitor's built-in configuration. */
  public static Outcome run(String scenario, String description, SimulatedFleet fleet)
      throws IOException {
    long started = System.nanoTime();
    MonitorConfig config =
        MonitorConfig.defaults().withStateStore(MonitorConfig.StateStoreType.IN_MEMORY);
    List<Alert> alerts = drive(fleet, config);
    List<FleetCaseResult> cases = new ArrayList<>();
    for (FleetCase c : label(scenario, fleet)) {
      List<Alert> about =
          alerts.stream()
              .filter(
                  a ->
                      c.hostCase()
                          ? a.rule().equals("suspect_node")
                              && c.subject().equals(FleetCaseResult.hostOf(a))
                          : c.subject().equals(a.job()))
              .toList();
      cases.add(new FleetCaseResult(c, about));
    }
    return new Outcome(
        scenario,
        description,
        fleet,
        cases,
        alerts,
        fleet.events().size(),
        (System.nanoTime() - started) / 1e9);
  }

  /** Every job labeled, and the bad host. */
  static List<FleetCase> label(String scenario, SimulatedFleet fleet) {
    List<FleetCase> out = new ArrayList<>();
    for (SimulatedFleet.Job j : fleet.jobs()) {
      String restarts =
          j.attempts().size() > 1
              ? ", preempted at step "
                  + j.attempts().get(0).endStep()
                  + " and restarted as attempt 1"
              : "";
      if (j.healthy()) {
        out.add(FleetCase.healthy(scenario, j.name(), "healthy" + restarts));
        continue;
      }
      JobFault f = j.fault();
      int r = f.rank();
      String host = j.hosts().get(r);
      String where = "rank " + r + " on " + host + " " + j.devices().get(r);
      String bad = j.badHost() ? " (the bad host)" : "";
      out.add(
          switch (f.kind()) {
            case NONE ->
                throw new AssertionError(j.name() + ": a faulty job's fault is never NONE");
            case SLOW_COMPUTE ->
                new FleetCase(
                    scenario,
                    j.name(),
                    String.format(
                            java.util.Locale.ROOT,
                            "%s computes %.0f%% slower from step %d",
                            where,
                            100 * (f.factor() - 1),
                            f.onsetStep())
                        + bad,
                    "straggler_rank",
                    "slow_compute",
                    r,
                    host,
                    f.onsetStep(),
                    f.factor() >= 1.2
                        ? STRAGGLER_20_BAR
                        // The sweep measures the 5% bar on its distribution (FleetReport): each
                        // straggler must be named, by the right rule, rank and host, in its job.
                        : FleetReport.SWEEP.equals(scenario) ? SWEEP_CASE_BAR : STRAGGLER_5_BAR);
            case SLOW_DATA ->
                new FleetCase(
                    scenario,
                    j.name(),
                    String.format(
                        java.util.Locale.ROOT,
                        "%s waits %.0fx longer for data from step %d",
                        where,
                        f.factor(),
                        f.onsetStep()),
                    "straggler_rank",
                    "slow_data",
                    r,
                    host,
                    f.onsetStep(),
                    STRAGGLER_20_BAR);
            case NAN_RANK ->
                new FleetCase(
                    scenario,
                    j.name(),
                    where
                        + " alone turns NaN at step "
                        + f.onsetStep()
                        + ", every rank a step later, the job fails 20 steps on"
                        + bad,
                    "rank_divergence",
                    "nonfinite_on_rank",
                    r,
                    host,
                    f.onsetStep(),
                    DIVERGENCE_BAR);
            case HANG ->
                new FleetCase(
                    scenario,
                    j.name(),
                    where
                        + " hangs in step "
                        + f.onsetStep()
                        + " after the all-reduce; the others report it and block",
                    "job_hang",
                    "job_stopped",
                    r,
                    host,
                    f.onsetStep(),
                    -1);
          });
    }
    if (fleet.badHost() != null) {
      List<String> badJobs =
          fleet.jobs().stream().filter(SimulatedFleet.Job::badHost).map(j -> j.name()).toList();
      out.add(
          new FleetCase(
              scenario,
              fleet.badHost(),
              fleet.badDevice()
                  + " of "
                  + fleet.badHost()
                  + " fails in "
                  + String.join(" and ", badJobs)
                  + " (NaN, then 25% slower)",
              "suspect_node",
              "faulty_device",
              null,
              fleet.badHost(),
              -1,
              -1));
    }
    return out;
  }

  /** Pipes the fleet's events through the topology at their arrival times; every alert out. */
  static List<Alert> drive(SimulatedFleet fleet, MonitorConfig config) throws IOException {
    return drive(fleet.events(), SimulatedFleet.START_MS, AFTERMATH, config);
  }

  /**
   * Pipes events through the monitor's topology in a {@link TopologyTestDriver} whose wall clock
   * starts at {@code startMs} and reaches each event's arrival time (1 s at a time) before it is
   * piped, then runs on for {@code aftermath}; every alert out, in order.
   *
   * @param events in arrival order
   */
  static List<Alert> drive(
      List<SimulatedFleet.Timed> timed, long startMs, Duration aftermath, MonitorConfig config)
      throws IOException {
    Path stateDir = Files.createTempDirectory("trainwatch-fleet-");
    Properties props =
        Monitor.streamsProperties(
            MonitorOptions.of("localhost:9")
                .withApplicationId("trainwatch-evaluate-fleet")
                .withStateDir(stateDir)
                .withConfig(config));
    long now = startMs;
    List<Alert> out = new ArrayList<>();
    try (TopologyTestDriver driver =
        new TopologyTestDriver(
            MonitorTopology.build(config, RunEvaluator.standard(), HintCatalog.standard()),
            props,
            Instant.ofEpochMilli(now))) {
      TestInputTopic<byte[], byte[]> events =
          driver.createInputTopic(
              Topics.EVENTS, new ByteArraySerializer(), new ByteArraySerializer());
      TestOutputTopic<String, Alert> alerts =
          driver.createOutputTopic(
              Topics.ALERTS, new StringDeserializer(), StateSerdes.alertDeserializer());
      for (SimulatedFleet.Timed t : timed) {
        while (now < t.wallMs()) {
          long step = Math.min(TICK_MS, t.wallMs() - now);
          driver.advanceWallClockTime(Duration.ofMillis(step));
          now += step;
        }
        events.pipeInput(
            t.event().runId().getBytes(StandardCharsets.UTF_8),
            EventCodec.encode(t.event()),
            t.event().tsMs());
        if (!alerts.isEmpty()) {
          out.addAll(alerts.readValuesToList());
        }
      }
      for (long end = now + aftermath.toMillis(); now < end; now += TICK_MS) {
        driver.advanceWallClockTime(Duration.ofMillis(TICK_MS));
      }
      out.addAll(alerts.readValuesToList());
    } finally {
      deleteQuietly(stateDir);
    }
    return out;
  }

  /** The jobs of a fault kind, for tests. */
  public static List<FleetCaseResult> ofKind(Outcome o, RankFault kind) {
    return o.cases().stream()
        .filter(
            c ->
                o.fleet().jobs().stream()
                    .anyMatch(
                        j ->
                            j.name().equals(c.fleetCase().subject())
                                && j.fault() != null
                                && j.fault().kind() == kind))
        .toList();
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
