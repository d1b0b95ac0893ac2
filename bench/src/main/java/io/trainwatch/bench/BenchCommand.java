package io.trainwatch.bench;

import io.trainwatch.cli.Progress;
import io.trainwatch.cli.UserErrors;
import io.trainwatch.monitor.config.MonitorConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trainwatch bench}: the benchmark suite on an embedded broker; writes docs/benchmarks.md.
 *
 * <p>Runs standalone too: {@code java -cp 'bench/target/trainwatch-bench.jar:bench/target/lib/*'
 * io.trainwatch.bench.BenchCommand --quick}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures trainwatch on an embedded Kafka broker and writes the report.",
      "Sections:",
      "  throughput  monitor events/s vs a plain KafkaConsumer on the same topic",
      "  latency     send of the triggering batch -> alert readable, under load",
      "  trainer     DL4J step time: no listener, trainwatch, DL4J StatsListener",
      "  memory      state bytes per run, monitor heap with 100,000 runs",
      "  cost        throughput and latency at 1x, 4x and 16x the runs",
      "  jmh         micro-benchmarks of the event codec",
      "  fleet       16,384 ranks (2,048 jobs x 8) live at 163,840 events/s, every rule on",
      "  takeover    restart and failover of monitor processes with 100,000 runs of state",
      "              (only with --only takeover: about an hour)",
      "Full sizes take about 15 minutes; --quick under 2 (its figures only show that everything runs).",
      ""
    })
public final class BenchCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(BenchCommand.class);

  /** The parts of the suite, selectable with {@code --only}. */
  enum Section {
    THROUGHPUT,
    LATENCY,
    TRAINER,
    MEMORY,
    COST,
    JMH,
    FLEET,
    TAKEOVER
  }

  @Option(
      names = "--quick",
      description = "Smoke-test sizes (CI): every section, tiny fleets, no repetitions.")
  boolean quick;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description =
          "Where to write the report (default: docs/benchmarks.md, or target/benchmarks-quick.md with "
              + "--quick).")
  Path out;

  @Option(
      names = "--only",
      split = ",",
      paramLabel = "SECTION",
      description = "Run only these sections (default: all but takeover; --quick skips jmh too).")
  Set<Section> only;

  @Option(
      names = "--repetitions",
      paramLabel = "N",
      description = "Repetitions of each throughput measurement.")
  Integer repetitions;

  @Option(
      names = "--runs",
      paramLabel = "N",
      description = "Concurrent runs in items 1 and 2 (default 10,000).")
  Integer runs;

  @Option(
      names = "--batches",
      paramLabel = "N",
      description = "Batch events pre-loaded for item 1 (default " + "1,000,000).")
  Long batches;

  @Option(
      names = "--fleet-jobs",
      paramLabel = "N",
      description =
          "Jobs of 8 ranks in the fleet section (default 2,048: 16,384 ranks; at least 8).")
  Integer fleetJobs;

  @Option(
      names = "--fleet-duration",
      paramLabel = "SECONDS",
      description = "Measured window of the fleet section, after its warm-up (default 60).")
  Integer fleetDuration;

  @Option(
      names = "--takeover-runs",
      paramLabel = "N",
      description = "Runs of state in the takeover section (default 100,000).")
  Integer takeoverRuns;

  @Option(
      names = "--takeover-repetitions",
      paramLabel = "N",
      description = "Set-ups per takeover scenario, each on a fresh broker (default 3).")
  Integer takeoverRepetitions;

  @Option(
      names = "--takeover-scenarios",
      split = ",",
      paramLabel = "ID",
      description =
          "Takeover scenarios to run (default the first four): classic-failover-standby1,"
              + " classic-failover-standby1-kafka-defaults, classic-peer-restart,"
              + " classic-failover-standby0 (each failover with a standby also restarts the"
              + " survivor), streams-failover-standby1, streams-failover-standby0,"
              + " classic-restart, classic-restart-kafka-defaults, streams-restart."
              + " -kafka-defaults: without the monitor's restart settings (transactional stores,"
              + " small memtables, no JMX reporter).")
  List<String> takeoverScenarios;

  @Option(names = "--no-profile", description = "Skip the JFR-profiled monitor pass of item 1.")
  boolean noProfile;

  @Option(
      names = "--app",
      paramLabel = "APP",
      defaultValue = "monitor",
      description =
          "The Streams application under test: monitor (default: as ./trainwatch monitor runs it,"
              + " with its HTTP port and metrics), monitor-no-http (the same without them) or"
              + " reference (the minimal app).")
  String app;

  @Option(
      names = "--monitor-config",
      paramLabel = "FILE",
      description = "Monitor configuration file (monitor.*, rules.* keys) instead of the defaults.")
  Path monitorConfig;

  @Option(
      names = "--streams-property",
      paramLabel = "KEY=VALUE",
      description =
          "Kafka Streams setting for the application under test, e.g. commit.interval.ms=200 "
              + "(repeatable; settings the monitor fixes itself stay as they are).")
  Map<String, String> streamsProperties = new LinkedHashMap<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line, with one-line errors for bad input instead of stack traces. */
  static CommandLine commandLine() {
    return new CommandLine(new BenchCommand())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(UserErrors.HANDLER);
  }

  @Override
  public Integer call() {
    BenchPlan plan = plan();
    AppSpec appSpec = new AppSpec(app, monitorConfig, streamsProperties);
    StreamsApp monitor = appSpec.create();
    Set<Section> sections = only != null ? EnumSet.copyOf(only) : EnumSet.allOf(Section.class);
    if (only == null && !plan.jmh()) {
      sections.remove(Section.JMH);
    }
    if (only == null) {
      // Building 100,000 runs of state three times per scenario takes about an hour here; at
      // --quick size it is a minute of process starts and session timeouts (TakeoverBenchIT).
      sections.remove(Section.TAKEOVER);
    }
    Path report =
        out != null ? out : Path.of(quick ? "target/benchmarks-quick.md" : "docs/benchmarks.md");
    MachineInfo machine = MachineInfo.current();
    SourceRevision source = SourceRevision.current();
    Instant startedAt = Instant.now();
    long start = System.nanoTime();
    int partitions =
        monitor instanceof TrainwatchMonitorApp m
            ? m.config().eventsPartitions()
            : MonitorConfig.defaults().eventsPartitions();

    List<CpuUsage.Share> load = new ArrayList<>();
    CpuUsage.Snapshot mark = CpuUsage.take();
    // Sections differ a lot in length: the estimate is rough, and better after each section.
    Progress progress = Progress.start(sections.size());
    ThroughputSection.Result throughput = null;
    if (sections.contains(Section.THROUGHPUT)) {
      LOG.info(
          "{} monitor throughput: {} runs, {} batches, {} repetitions",
          progress.next(),
          plan.runs(),
          plan.batches(),
          plan.repetitions());
      throughput =
          ThroughputSection.run(
              monitor,
              partitions,
              new FleetSpec("fleet", plan.runs(), plan.faultyFraction(), plan.seed()),
              plan.batches(),
              plan.repetitions(),
              List.of(ThroughputSection.Rung.values()),
              plan.profile());
      mark = record(load, Section.THROUGHPUT, mark);
      progress.done();
    }
    LatencyBench.Result latency = null;
    if (sections.contains(Section.LATENCY)) {
      LOG.info("{} alert latency", progress.next());
      latency = LatencySection.run(monitor, partitions, plan.latency());
      mark = record(load, Section.LATENCY, mark);
      progress.done();
    }
    TrainerSection.Result trainer = null;
    if (sections.contains(Section.TRAINER)) {
      LOG.info("{} trainer overhead: {}", progress.next(), plan.trainer());
      trainer = TrainerSection.run(plan.trainer(), plan.seed());
      mark = record(load, Section.TRAINER, mark);
      progress.done();
    }
    MemoryBench.Result memory = null;
    if (sections.contains(Section.MEMORY)) {
      LOG.info(
          "{} memory: {} runs in -Xmx{}",
          progress.next(),
          plan.memory().runs(),
          plan.memory().heapLimit());
      memory =
          MemoryBench.run(appSpec, partitions, plan.memory(), Duration.ofMinutes(15).toSeconds());
      mark = record(load, Section.MEMORY, mark);
      progress.done();
    }
    List<CostCurveSection.Point> cost = List.of();
    if (sections.contains(Section.COST)) {
      LOG.info(
          "{} cost curve: {} × {} runs",
          progress.next(),
          plan.costMultipliers(),
          plan.costBaseRuns());
      cost = CostCurveSection.run(monitor, partitions, plan);
      mark = record(load, Section.COST, mark);
      progress.done();
    }
    List<JmhSection.Score> jmh = List.of();
    if (sections.contains(Section.JMH)) {
      LOG.info("{} JMH micro-benchmarks", progress.next());
      jmh = JmhSection.run(JmhSection.all());
      mark = record(load, Section.JMH, mark);
      progress.done();
    }

    FleetBench.Result fleet = null;
    if (sections.contains(Section.FLEET)) {
      FleetBench.Settings fs = fleetSettings(plan);
      LOG.info(
          "{} fleet: {} jobs x {} ranks at {} events/s for {} s",
          progress.next(),
          fs.jobs(),
          fs.ranksPerJob(),
          Markdown.count(fs.offeredRate()),
          fs.duration().toSeconds());
      int streamThreads =
          monitor instanceof TrainwatchMonitorApp m
              ? m.config().streamThreads()
              : MonitorConfig.defaults().streamThreads();
      fleet = FleetBench.run(monitor, partitions, streamThreads, fs);
      mark = record(load, Section.FLEET, mark);
      progress.done();
    }

    TakeoverBench.Result takeover = null;
    if (sections.contains(Section.TAKEOVER)) {
      TakeoverBench.Settings ts = takeoverSettings(plan);
      LOG.info(
          "{} takeover: {} runs of state, {} scenarios x {} repetitions",
          progress.next(),
          Markdown.count(ts.runs()),
          ts.scenarios().size(),
          ts.repetitions());
      takeover = TakeoverBench.run(ts, partitions, Path.of("target", "takeover-logs"));
      mark = record(load, Section.TAKEOVER, mark);
      progress.done();
    }

    BenchResults results =
        new BenchResults(
            plan,
            commandText(),
            startedAt,
            Duration.ofNanos(System.nanoTime() - start),
            machine,
            source,
            describe(monitor, appSpec),
            load,
            throughput,
            latency,
            trainer,
            memory,
            cost,
            jmh,
            fleet,
            takeover);
    write(report, BenchReport.render(results));
    for (Verdict v : BenchReport.verdicts(results)) {
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "%-50s %-60s %-28s %s%n",
              v.item(),
              v.measured(),
              v.target(),
              v.status().replace("*", ""));
    }
    spec.commandLine().getOut().println("report written to " + report);
    return 0;
  }

  /**
   * Notes who used the CPU during the section that just ended; returns the start of the next one.
   */
  private static CpuUsage.Snapshot record(
      List<CpuUsage.Share> load, Section section, CpuUsage.Snapshot from) {
    CpuUsage.Snapshot now = CpuUsage.take();
    CpuUsage.Share share = CpuUsage.between(section.name().toLowerCase(Locale.ROOT), from, now);
    if (share != null) {
      load.add(share);
      LOG.info(
          "{}: {} s; CPU of the machine used by this benchmark {}, by other processes {}{}",
          share.section(),
          share.elapsed().toSeconds(),
          Markdown.percent(share.own()),
          Markdown.percent(share.others()),
          share.disturbed() ? " (disturbed)" : "");
    }
    return now;
  }

  private BenchPlan plan() {
    BenchPlan plan = quick ? BenchPlan.quick() : BenchPlan.full();
    if (repetitions != null) {
      plan = plan.withRepetitions(repetitions);
    }
    if (runs != null || batches != null) {
      plan =
          plan.withFleet(
              runs != null ? runs : plan.runs(), batches != null ? batches : plan.batches());
    }
    if (noProfile) {
      plan = plan.withoutProfile();
    }
    return plan;
  }

  private FleetBench.Settings fleetSettings(BenchPlan plan) {
    FleetBench.Settings fs =
        plan.smokeTest()
            ? FleetBench.Settings.quick(plan.seed())
            : FleetBench.Settings.full(plan.seed());
    if (fleetJobs != null || fleetDuration != null) {
      fs =
          fs.withSize(
              fleetJobs != null ? fleetJobs : fs.jobs(),
              fleetDuration != null ? Duration.ofSeconds(fleetDuration) : fs.duration());
    }
    return fs;
  }

  private TakeoverBench.Settings takeoverSettings(BenchPlan plan) {
    TakeoverBench.Settings ts =
        plan.smokeTest()
            ? TakeoverBench.Settings.quick(plan.seed())
            : TakeoverBench.Settings.full(plan.seed());
    if (takeoverRuns != null || takeoverRepetitions != null) {
      ts =
          ts.withSize(
              takeoverRuns != null ? takeoverRuns : ts.runs(),
              takeoverRepetitions != null ? takeoverRepetitions : ts.repetitions());
    }
    if (takeoverScenarios != null) {
      List<TakeoverBench.Scenario> chosen = new ArrayList<>();
      for (String id : takeoverScenarios) {
        chosen.add(
            TakeoverBench.allScenarios().stream()
                .filter(sc -> sc.id().equals(id))
                .findFirst()
                .orElseThrow(
                    () ->
                        new CommandLine.ParameterException(
                            spec.commandLine(), "--takeover-scenarios: unknown scenario " + id)));
      }
      ts = ts.withScenarios(chosen);
    }
    return ts;
  }

  private String commandText() {
    // Under ./trainwatch the original arguments start with the subcommand's name.
    List<String> args = spec.commandLine().getParseResult().originalArgs();
    int own = spec.parent() == null ? 0 : args.indexOf(spec.name()) + 1;
    return ("./trainwatch bench " + String.join(" ", args.subList(own, args.size()))).trim();
  }

  private static String describe(StreamsApp app, AppSpec spec) {
    if (app instanceof TrainwatchMonitorApp m) {
      MonitorConfig c = m.config();
      String settings =
          c.processingGuarantee().wire()
              + ", "
              + c.streamThreads()
              + " stream thread, "
              + c.stateStore().wire()
              + " state stores (changelogged, with the record cache), "
              + c.eventsPartitions()
              + " partitions of trainwatch.events";
      boolean defaults = spec.monitorConfig() == null && spec.streamsProperties().isEmpty();
      return "the trainwatch monitor with "
          + (defaults ? "its default configuration: " : "this configuration: ")
          + settings
          + (m.streamsProperties().isEmpty()
              ? ""
              : ", Kafka Streams overrides " + m.streamsProperties());
    }
    return app.name();
  }

  private static void write(Path file, String markdown) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, markdown);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
