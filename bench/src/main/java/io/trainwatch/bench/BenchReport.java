package io.trainwatch.bench;

import static io.trainwatch.bench.Markdown.count;
import static io.trainwatch.bench.Markdown.num;
import static io.trainwatch.bench.Markdown.percent;
import static io.trainwatch.bench.Markdown.ratio;
import static io.trainwatch.bench.Markdown.table;

import io.trainwatch.bench.BenchCommand.Section;
import io.trainwatch.bench.ThroughputSection.Rung;
import io.trainwatch.bench.TrainerOverheadBench.Setup;
import io.trainwatch.simulator.RunProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes docs/benchmarks.md from one run's {@link BenchResults}: figures, machine, how to
 * reproduce, closing note. Only what this run measured and the code revision it ran: no date, no
 * figure from an earlier run (the hand-written notes, with theirs, are docs/benchmarks-notes.md).
 */
public final class BenchReport {

  /** Item 1: monitor rate ÷ raw consume rate. */
  static final double THROUGHPUT_TARGET = 0.5;

  /** Item 2: p99 alert latency, milliseconds. */
  static final double LATENCY_P99_TARGET_MS = 250;

  /** Item 3: trainwatch's overhead over no listener. */
  static final double OVERHEAD_TARGET = 0.02;

  /** Item 3: the step time the overhead target applies from, milliseconds. */
  static final double OVERHEAD_MIN_STEP_MS = 5;

  /** Item 3: StatsListener's overhead ÷ trainwatch's. */
  static final double STATS_RATIO_TARGET = 5;

  /** Item 4: serialized state per run, bytes. */
  static final long STATE_TARGET_BYTES = 1024;

  /** Item 4: heap with 100,000 runs, bytes. */
  static final long HEAP_TARGET_BYTES = 512L * 1024 * 1024;

  /** The hand-written notes beside the report, relative to it. */
  static final String NOTES = "benchmarks-notes.md";

  private static final double MIB = 1024.0 * 1024.0;

  private final BenchResults r;
  private final StringBuilder out = new StringBuilder();

  private BenchReport(BenchResults r) {
    this.r = r;
  }

  /** The report as markdown. */
  public static String render(BenchResults results) {
    return new BenchReport(results).build();
  }

  /** Each measured figure against its target, in issue order. */
  public static List<Verdict> verdicts(BenchResults r) {
    List<Verdict> v = new ArrayList<>();
    if (r.throughput() != null && r.throughput().monitorToRaw() != null) {
      ThroughputSection.Result t = r.throughput();
      v.add(
          new Verdict(
              Section.THROUGHPUT,
              "1. Monitor throughput ÷ raw consume",
              ratio(t.monitorToRaw().median())
                  + " ("
                  + count(t.rates().get(Rung.MONITOR).median())
                  + " vs "
                  + count(t.rates().get(Rung.RAW).median())
                  + " events/s)",
              "≥ " + ratio(THROUGHPUT_TARGET),
              t.monitorToRaw().median() >= THROUGHPUT_TARGET));
    }
    if (r.latency() != null) {
      Percentiles p = r.latency().pooled();
      v.add(
          new Verdict(
              Section.LATENCY,
              "2. Alert latency p99 (exactly-once)",
              num(p.p99Ms(), 0)
                  + " ms (p50 "
                  + num(p.p50Ms(), 0)
                  + ", max "
                  + num(p.maxMs(), 0)
                  + ", "
                  + p.count()
                  + " alerts)",
              "≤ " + num(LATENCY_P99_TARGET_MS, 0) + " ms",
              p.p99Ms() <= LATENCY_P99_TARGET_MS));
    }
    if (r.trainer() != null) {
      TrainerOverheadBench.Result t = r.trainer().overhead();
      double none = t.stepMs().get(Setup.NO_LISTENER).median();
      v.add(
          new Verdict(
              Section.TRAINER,
              "3a. trainwatch listener overhead",
              signedPercent(t.overhead(Setup.TRAINWATCH))
                  + " (step "
                  + num(t.stepMs().get(Setup.TRAINWATCH).median(), 2)
                  + " vs "
                  + num(none, 2)
                  + " ms)",
              "≤ +"
                  + percent(OVERHEAD_TARGET)
                  + " on a step ≥ "
                  + num(OVERHEAD_MIN_STEP_MS, 0)
                  + " ms",
              none >= OVERHEAD_MIN_STEP_MS
                  ? t.overhead(Setup.TRAINWATCH) <= OVERHEAD_TARGET
                  : null));
      v.add(
          new Verdict(
              Section.TRAINER,
              "3b. StatsListener overhead ÷ trainwatch overhead",
              ratio(t.statsOverTrainwatch())
                  + " ("
                  + signedPercent(t.overhead(Setup.DL4J_STATS))
                  + " vs "
                  + signedPercent(t.overhead(Setup.TRAINWATCH))
                  + ")",
              "≥ " + ratio(STATS_RATIO_TARGET),
              t.statsOverTrainwatch() >= STATS_RATIO_TARGET));
    }
    if (r.memory() != null) {
      MemoryBench.Result m = r.memory();
      if (m.failure() == null) {
        v.add(
            new Verdict(
                Section.MEMORY,
                "4a. Serialized state per run",
                count(m.medianRunStateBytes())
                    + " B median, "
                    + count(m.maxRunStateBytes())
                    + " B largest",
                "≤ 1 KiB",
                m.maxRunStateBytes() <= STATE_TARGET_BYTES));
        v.add(
            new Verdict(
                Section.MEMORY,
                "4b. Monitor heap with " + count(m.settings().runs()) + " runs",
                num(m.fleetHeapBytes() / MIB, 0)
                    + " MiB live (ran in -Xmx"
                    + m.settings().heapLimit()
                    + ")",
                "≤ 512 MiB",
                m.fleetHeapBytes() <= HEAP_TARGET_BYTES));
      } else {
        v.add(
            new Verdict(
                Section.MEMORY,
                "4b. Monitor heap with " + count(m.settings().runs()) + " runs",
                "did not fit in -Xmx" + m.settings().heapLimit(),
                "≤ 512 MiB",
                false));
      }
    }
    if (r.costCurve() != null && !r.costCurve().isEmpty()) {
      List<CostCurveSection.Point> c = r.costCurve();
      CostCurveSection.Point first = c.get(0);
      CostCurveSection.Point last = c.get(c.size() - 1);
      v.add(
          new Verdict(
              Section.COST,
              "5. Cost curve " + first.multiplier() + "× → " + last.multiplier() + "× runs",
              "throughput "
                  + ratio(monitorRate(last) / monitorRate(first))
                  + ", p99 latency "
                  + num(first.latency().pooled().p99Ms(), 0)
                  + " → "
                  + num(last.latency().pooled().p99Ms(), 0)
                  + " ms",
              "(a curve, no target)",
              null));
    }
    if (r.fleet() != null) {
      v.add(FleetReport.verdict(r.fleet()));
    }
    if (r.takeover() != null) {
      v.addAll(TakeoverReport.verdicts(r.takeover()));
    }
    return v;
  }

  private String build() {
    header();
    summary();
    machine();
    reproduce();
    throughput();
    latency();
    trainer();
    memory();
    costCurve();
    if (r.fleet() != null) {
      out.append(FleetReport.section(r.fleet()));
    }
    if (r.takeover() != null) {
      out.append(TakeoverReport.section(r.takeover()));
    }
    jmh();
    profile();
    closingNote();
    return out.toString();
  }

  private void header() {
    out.append("# trainwatch benchmarks\n\n");
    out.append("Generated by `")
        .append(r.command())
        .append("` in ")
        .append(r.elapsed().toMinutes())
        .append(" min ")
        .append(r.elapsed().toSecondsPart())
        .append(" s. Do not edit: run the command again. How these measurements were made ")
        .append("trustworthy and what was tried to improve them: [")
        .append(NOTES)
        .append("](")
        .append(NOTES)
        .append(") (written by hand).\n\n");
    if (r.plan().smokeTest()) {
      out.append(
              "> **Smoke-test sizes (`--quick`).** Every code path ran, but the fleets are tiny and nothing was ")
          .append("repeated: these figures say the suite works, not how fast trainwatch is.\n\n");
    }
    out.append(
            "Every comparison below was measured side by side in this one run, on the same machine and broker, ")
        .append(
            "alternating between the things compared, and is quoted as a ratio with the absolute figures beside ")
        .append(
            "it. Repeated measurements are quoted as *median (min, max, n)*. The machine is shared: read ")
        .append("ratios, not single absolute numbers. The system under test: ")
        .append(r.monitorDescription())
        .append(", built from ")
        .append(r.source().describe())
        .append(".\n\n");
  }

  private void summary() {
    out.append("## Summary\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (Verdict v : verdicts(r)) {
      rows.add(List.of(v.item(), v.measured(), v.target(), v.status(), othersLoad(v.section())));
    }
    out.append(
            table(
                List.of(
                    "measurement", "result", "target", "verdict", "CPU taken by other processes"),
                rows))
        .append('\n');
    if (r.load().stream().anyMatch(CpuUsage.Share::disturbed)) {
      out.append("*Disturbed*: other processes on this shared machine took more than ")
          .append(percent(CpuUsage.DISTURBED_OTHERS))
          .append(" of its CPU while that section ran, so its absolute ")
          .append(
              "figures are lower than on a quiet machine; ratios measured side by side suffer less, but readers ")
          .append(
              "that need more CPU (Streams apps, training with a listener) lose more than a plain consumer.\n\n");
    }
  }

  /** Other processes' share of the CPU while a section ran, e.g. {@code "31.0% (disturbed)"}. */
  private String othersLoad(Section section) {
    return r.load().stream()
        .filter(s -> s.section().equals(section.name().toLowerCase(Locale.ROOT)))
        .findFirst()
        .map(s -> percent(s.others()) + (s.disturbed() ? " *(disturbed)*" : ""))
        .orElse("unknown");
  }

  private void machine() {
    out.append("## Machine\n\n");
    out.append(table(List.of("", ""), r.machine().rows())).append('\n');
    if (!r.load().isEmpty()) {
      out.append(
              "The machine is shared with other work (builds, trainings). Who used its CPU (all cores together ")
          .append("= 100%) during each section, from `/proc/stat`:\n\n");
      List<List<String>> rows = new ArrayList<>();
      for (CpuUsage.Share s : r.load()) {
        rows.add(
            List.of(
                s.section(),
                num(s.elapsed().toMillis() / 1000.0, 0) + " s",
                percent(s.own()),
                percent(s.others()) + (s.disturbed() ? " *(disturbed)*" : ""),
                num(s.loadAverage1m(), 2)));
      }
      out.append(
              table(
                  List.of(
                      "section",
                      "duration",
                      "this benchmark",
                      "other processes",
                      "load average at the end (1 min)"),
                  rows))
          .append('\n');
    }
  }

  private void reproduce() {
    out.append("## How to reproduce\n\n");
    out.append("On a fresh clone, with Java 17:\n\n```sh\n")
        .append("./trainwatch bench            # full sizes: rewrites docs/benchmarks.md\n")
        .append("./trainwatch bench --quick    # smoke-test sizes: target/benchmarks-quick.md\n")
        .append("./trainwatch bench --help     # sizes, sections (--only), output file\n")
        .append(
            "./trainwatch bench --only fleet --out docs/benchmarks-fleet.md   # item 6 alone (about 6 min)\n")
        .append(
            "./trainwatch bench --only fleet --fleet-jobs 256 --fleet-duration 20 --out target/fleet.md   # a smaller fleet\n")
        .append(
            "./trainwatch bench --only takeover --out docs/benchmarks-takeover.md   # item 7, only run when named (about an hour on a loaded 2-core machine)\n")
        .append("```\n\n")
        .append(
            "Without the command line, from the bench module: `./mvnw -B -q -pl bench -am package -DskipTests` ")
        .append("then `java -cp 'bench/target/trainwatch-bench.jar:bench/target/lib/*' ")
        .append("io.trainwatch.bench.BenchCommand`. CI runs the `--quick` sizes as `BenchQuickIT` ")
        .append(
            "and the fleet section at a tiny size as `FleetBenchIT` (no timing assertions). Profile a section yourself with ")
        .append(
            "`TRAINWATCH_JAVA_OPTS='-XX:StartFlightRecording=filename=bench.jfr' ./trainwatch bench --only ")
        .append("throughput` and `jfr print --events jdk.ExecutionSample bench.jfr`.\n\n");
  }

  private void throughput() {
    ThroughputSection.Result t = r.throughput();
    if (t == null) {
      return;
    }
    out.append("## 1. Monitor throughput vs the physical limit\n\n");
    out.append("`trainwatch.events` (")
        .append(t.partitions())
        .append(" partitions) was pre-loaded with ")
        .append(count(t.load().events()))
        .append(" events of ")
        .append(count(t.runs()))
        .append(" concurrent runs (")
        .append(count(t.faultyRuns()))
        .append(" faulty), ")
        .append(num(t.load().meanEventBytes(), 0))
        .append(" bytes of JSON per event on average, lz4-compressed ")
        .append("batches, in ")
        .append(num(t.load().elapsedNs() / 1e9, 1))
        .append(" s. After a warm-up in which ")
        .append("every reader read the first ")
        .append(count(ThroughputSection.WARM_UP_EVENTS))
        .append(
            " events (not counted), each reader read the topic from the beginning to the end, in turn, ")
        .append(plural(r.plan().repetitions(), "time"))
        .append(
            ". Rates run from the first record to the last (for Streams apps: to the commit of the last ")
        .append("offset, polled every ")
        .append(CatchUp.POLL.toMillis())
        .append(" ms); startup is excluded and ")
        .append("shown apart.\n\n");
    List<List<String>> rows = new ArrayList<>();
    double raw = t.rates().get(Rung.RAW).median();
    for (Map.Entry<Rung, Summary> e : t.rates().entrySet()) {
      Summary cpu = t.cpuMicrosPerEvent().get(e.getKey());
      ThroughputSection.Cores cores = t.cores().get(e.getKey());
      rows.add(
          List.of(
              e.getKey().label(),
              e.getValue().format("%,.0f"),
              ratio(e.getValue().median() / raw),
              cpu == null ? "" : cpu.format("%.2f"),
              cores == null
                  ? ""
                  : num(cores.reader().median(), 2)
                      + " / "
                      + num(cores.jvm().median(), 2)
                      + " / "
                      + num(cores.others().median(), 2)));
    }
    out.append(
            table(
                List.of(
                    "reader",
                    "events/s",
                    "÷ raw",
                    "CPU µs per event (reading thread)",
                    "cores used: reading threads / this JVM / other processes"),
                rows))
        .append('\n');
    out.append(
            "CPU µs per event is the CPU time of the thread that reads (the consumer's caller, or the ")
        .append(
            "stream thread) from its first record to the end, divided by the events: it leaves out ")
        .append(
            "the producer's I/O thread and the broker, and, unlike a rate, it hardly changes when ")
        .append("other processes take the machine's cores. Cores used are CPU time ÷ elapsed ")
        .append("time while the reader read (medians): its reading threads, this whole JVM (the ")
        .append("reader, the in-process broker, the clients' I/O threads), and other processes; ")
        .append("the machine has ")
        .append(r.machine().cores())
        .append(" cores, so when the three together reach that, a second stream thread has no ")
        .append("core to run on.\n\n");
    if (t.monitorToFloor() != null) {
      out.append(
              "Monitor ÷ the engine's floor (the minimal EOS app with decode + per-run get/put), ")
          .append("computed within each repetition: **")
          .append(t.monitorToFloor().format("%.2f"))
          .append("**");
      Summary floorCpu = t.cpuMicrosPerEvent().get(Rung.REFERENCE);
      Summary monitorCpu = t.cpuMicrosPerEvent().get(Rung.MONITOR);
      if (floorCpu != null && monitorCpu != null) {
        out.append("; by CPU per event, floor ÷ monitor: **")
            .append(num(floorCpu.median() / monitorCpu.median(), 2))
            .append("** (")
            .append(num(floorCpu.median(), 2))
            .append(" vs ")
            .append(num(monitorCpu.median(), 2))
            .append(" µs)");
      }
      out.append(".");
      Summary perCore = t.rates().get(Rung.MONITOR_PER_CORE);
      if (perCore != null) {
        out.append(" With one stream thread per core, the monitor read ")
            .append(count(perCore.median()))
            .append(" events/s, ")
            .append(ratio(perCore.median() / t.rates().get(Rung.REFERENCE).median()))
            .append(" the single-threaded floor's rate (the broker shares the same cores)");
        ThroughputSection.Cores two = t.cores().get(Rung.MONITOR_PER_CORE);
        ThroughputSection.Cores one = t.cores().get(Rung.MONITOR);
        if (two != null && one != null) {
          out.append(": its stream threads used ")
              .append(num(two.reader().median(), 2))
              .append(" cores, the whole JVM ")
              .append(num(two.jvm().median(), 2))
              .append(" and other processes ")
              .append(num(two.others().median(), 2))
              .append(" of the machine's ")
              .append(r.machine().cores())
              .append(" (one stream thread: ")
              .append(num(one.reader().median(), 2))
              .append(", ")
              .append(num(one.jvm().median(), 2))
              .append(" and ")
              .append(num(one.others().median(), 2))
              .append(")");
        }
        out.append(".");
      }
      out.append("\n\n");
    }
    if (t.monitorToRaw() != null) {
      out.append("Monitor ÷ raw, computed within each repetition: **")
          .append(t.monitorToRaw().format("%.2f"))
          .append("** (target ≥ ")
          .append(num(THROUGHPUT_TARGET, 2))
          .append("). Monitor startup (start to first ")
          .append("record: topic check, group join, `initTransactions`): ")
          .append(t.monitorStartupMs().format("%,.0f"))
          .append(" ms.\n\n");
    }
    if (t.alerts() != null) {
      out.append(
              "What the monitor found in this fleet (a fast monitor that misses faults or pages on healthy runs ")
          .append("would not be worth quoting):\n\n");
      List<List<String>> a = new ArrayList<>();
      for (RunProfile p : RunProfile.values()) {
        int runs = t.alerts().runsByProfile().getOrDefault(p, 0);
        if (runs > 0) {
          a.add(
              List.of(
                  describe(p),
                  count(runs),
                  count(t.alerts().alertedByProfile().getOrDefault(p, 0))));
        }
      }
      out.append(table(List.of("runs", "count", "with a firing alert"), a)).append('\n');
      out.append("Firing alerts by rule: ")
          .append(t.alerts().firingByRule())
          .append(
              ". Diverging runs blow up at a random step, so a run with few batches in the fleet may not ")
          .append("have diverged yet.\n\n");
    }
  }

  private void latency() {
    LatencyBench.Result l = r.latency();
    if (l == null) {
      return;
    }
    LatencyBench.Settings s = r.plan().latency();
    out.append("## 2. Alert latency\n\n");
    out.append("The monitor ran with its defaults (exactly-once). ")
        .append(count(s.backgroundRuns()))
        .append(" healthy runs sent a steady ")
        .append(count(s.eventsPerSecond()))
        .append(" events/s (achieved ")
        .append(count(l.achievedEventsPerSecond()))
        .append(") for ")
        .append(s.warmup().toSeconds())
        .append(" s of warm-up, then ")
        .append(plural(s.windows(), "window"))
        .append(" of ")
        .append(s.window().toSeconds())
        .append(" s each injected ")
        .append(s.faultsPerWindow())
        .append(" faulty runs at an even pace (the three ")
        .append("fault kinds in turn), each sending a batch every ")
        .append(s.faultStep().toMillis())
        .append(
            " ms. Latency runs from the `send()` of the batch that made the rule fire (the alert names its ")
        .append(
            "step) to the alert being returned by a `read_committed` consumer's `poll()`. Producers use the ")
        .append("trainer publisher's settings: `acks=all`, `linger.ms=5`, lz4.\n\n");
    List<List<String>> rows = new ArrayList<>();
    rows.add(
        List.of(
            "all windows pooled",
            num(l.pooled().p50Ms(), 1),
            num(l.pooled().p99Ms(), 1),
            num(l.pooled().maxMs(), 1),
            count(l.pooled().count())));
    l.byProfile()
        .forEach(
            (p, q) ->
                rows.add(
                    List.of(
                        describe(p),
                        num(q.p50Ms(), 1),
                        num(q.p99Ms(), 1),
                        num(q.maxMs(), 1),
                        count(q.count()))));
    out.append(table(List.of("", "p50 ms", "p99 ms", "max ms", "alerts"), rows)).append('\n');
    if (l.uncommitted() != null) {
      out.append(
              "Where the latency goes: the same alerts were already in the log, transaction still open, after ")
          .append(num(l.uncommitted().p50Ms(), 1))
          .append(" ms (p50) / ")
          .append(num(l.uncommitted().p99Ms(), 1))
          .append(" ms (p99), as seen by a `read_uncommitted` consumer. The rest, ")
          .append(num(l.pooled().p50Ms() - l.uncommitted().p50Ms(), 1))
          .append(
              " ms at the median, is exactly-once: an alert becomes readable when the stream thread commits ")
          .append(
              "its transaction, every `commit.interval.ms` (100 ms by default under exactly-once).\n\n");
    }
    out.append("Per window (repetition): p50 ")
        .append(l.p50OverWindows().format("%.1f"))
        .append(" ms, p99 ")
        .append(l.p99OverWindows().format("%.1f"))
        .append(" ms. Faulty runs injected: ")
        .append(l.injected())
        .append(", never alerted: ")
        .append(l.missed())
        .append("; healthy background runs alerted: ")
        .append(l.healthyRunsAlerted())
        .append(".\n\n");
  }

  private void trainer() {
    TrainerSection.Result tr = r.trainer();
    if (tr == null) {
      return;
    }
    TrainerOverheadBench.Result t = tr.overhead();
    out.append("## 3. Trainer overhead\n\n");
    out.append("One DL4J network (")
        .append(t.model())
        .append(", ")
        .append(count(t.parameters()))
        .append(
            " parameters) on the same 8 batches of random standardized data, CPU backend, ND4J limited to ")
        .append(t.size().nativeThreads())
        .append(" native thread(s) (OpenMP and BLAS), leaving the other cores to the broker, the ")
        .append(
            "publisher and the JVM as a trainer host's spare cores would (why: ["
                + NOTES
                + "]("
                + NOTES
                + ")). ")
        .append("The setups train in alternating blocks of ")
        .append(t.size().iterationsPerBlock())
        .append(" iterations, ")
        .append(t.size().repetitions())
        .append(" blocks each after one warm-up block, rotating their order every ")
        .append(
            "round; each block gives its median step time (`fit(DataSet)`, listener included). A setup's ")
        .append(
            "overhead is computed within each round (its block ÷ the no-listener block of the same round), then ")
        .append(
            "the median is taken over rounds: on a shared machine the load changes from one minute to the ")
        .append(
            "next, and a ratio of blocks trained seconds apart is not fooled by it. trainwatch's ")
        .append(
            "listener published every iteration to the broker; StatsListener reported every iteration to an ")
        .append("`InMemoryStatsStorage`.\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (Setup s : t.stepMs().keySet()) {
      boolean none = s == Setup.NO_LISTENER;
      rows.add(
          List.of(
              s.label(),
              t.stepMs().get(s).format("%.2f"),
              none ? "" : signedPercent(t.overhead(s)),
              none
                  ? ""
                  : "min "
                      + signedPercent(t.overheadByRound().get(s).min())
                      + ", max "
                      + signedPercent(t.overheadByRound().get(s).max())));
    }
    out.append(
            table(
                List.of(
                    "setup",
                    "step ms over blocks",
                    "overhead vs no listener (median over rounds)",
                    "spread over rounds"),
                rows))
        .append('\n');
    if (t.overheadByRound().containsKey(Setup.TRAINWATCH_IN_MEMORY)) {
      double stepMs = t.stepMs().get(Setup.NO_LISTENER).median();
      double all = t.overhead(Setup.TRAINWATCH);
      double stats = t.overhead(Setup.TRAINWATCH_IN_MEMORY);
      if (stats > all) {
        out.append("trainwatch's listener measured ")
            .append(signedPercent(stats))
            .append(" with its events kept ")
            .append("in memory and ")
            .append(signedPercent(all))
            .append(" publishing them to Kafka. Publishing ")
            .append(
                "cannot cost less than not publishing, so the difference between these two is within this ")
            .append(
                "run's noise (see the spread over rounds), and neither figure is precise to better than that.")
            .append("\n\n");
      } else {
        out.append("Of trainwatch's ")
            .append(signedPercent(all))
            .append(" (about ")
            .append(num(all * stepMs, 1))
            .append(" ms a step), its statistics account for ")
            .append(signedPercent(stats))
            .append(" (about ")
            .append(num(stats * stepMs, 1))
            .append(" ms): the rest is the transport (the publisher's thread ")
            .append(
                "encoding and sending, the Kafka producer's I/O thread and, in this benchmark only, the ")
            .append("in-process broker), running beside the training on the machine's ")
            .append(r.machine().cores())
            .append(" cores.\n\n");
      }
    }
    out.append("StatsListener's overhead is **")
        .append(ratio(t.statsOverTrainwatch()))
        .append("** trainwatch's (target ≥ ")
        .append(ratio(STATS_RATIO_TARGET))
        .append("). trainwatch's publisher: ")
        .append(count(tr.published().published()))
        .append(" events published, ")
        .append(count(tr.published().delivered()))
        .append(" acknowledged by the broker, ")
        .append(count(tr.published().lost()))
        .append(" lost.\n\n");
  }

  private void memory() {
    MemoryBench.Result m = r.memory();
    if (m == null) {
      return;
    }
    MemoryBench.Settings s = m.settings();
    out.append("## 4. Memory and scale\n\n");
    if (m.failure() != null) {
      out.append("The monitor did **not** fit ")
          .append(count(s.runs()))
          .append(" runs in `-Xmx")
          .append(s.heapLimit())
          .append("`:\n\n```\n")
          .append(m.failure())
          .append("\n```\n\n");
      return;
    }
    out.append(
            "State sizes are the latest value of each key in the monitor's changelog topics, i.e. exactly what ")
        .append("it stores and restores. Ordinary runs had sent ")
        .append(s.batchesPerRun())
        .append(" batches; ")
        .append(count(s.longRuns()))
        .append(" long runs had sent ")
        .append(count(s.longRunBatches()))
        .append(" (every history window full, the largest a state gets).\n\n");
    List<List<String>> rows = new ArrayList<>();
    addStateRows(rows, "ordinary runs", m.fleetState());
    addStateRows(rows, "long runs", m.longRunState());
    out.append(table(List.of("runs", "store", "keys", "median B", "p99 B", "max B"), rows))
        .append('\n');
    out.append("Per run, all stores and the key together: **")
        .append(count(m.medianRunStateBytes()))
        .append(" B** median, **")
        .append(count(m.maxRunStateBytes()))
        .append(" B** largest (target ≤ 1,024 B).\n\n");
    out.append("Heap: the monitor ran alone in a child JVM with `-Xmx")
        .append(s.heapLimit())
        .append(
            " -XX:+ExitOnOutOfMemoryError` over the pre-loaded fleet; once it had committed every event it ")
        .append("collected garbage and read its heap in use (live objects):\n\n");
    out.append(
            table(
                List.of("fleet", "live heap", "resident memory (RSS)"),
                List.of(
                    List.of(
                        count(s.baselineRuns()) + " runs",
                        num(m.baselineHeapBytes() / MIB, 1) + " MiB",
                        ""),
                    List.of(
                        count(s.runs()) + " runs",
                        num(m.fleetHeapBytes() / MIB, 1) + " MiB",
                        num(m.fleetRssKiB() / 1024.0, 0) + " MiB"))))
        .append('\n');
    out.append("Each run beyond the first ")
        .append(count(s.baselineRuns()))
        .append(" costs **")
        .append(count(m.marginalHeapBytesPerRun()))
        .append(" B** of heap. (The monitor caught up with the full ")
        .append("fleet at ")
        .append(count(m.fleetEventsPerSecond()))
        .append(" events/s in that JVM.)\n\n");
  }

  private static void addStateRows(
      List<List<String>> rows, String label, List<ChangelogSizes.StoreSize> stores) {
    for (ChangelogSizes.StoreSize st : stores) {
      rows.add(
          List.of(
              label,
              st.store(),
              count(st.keys()),
              count(st.medianBytes()),
              count(st.p99Bytes()),
              count(st.maxBytes())));
    }
  }

  private void costCurve() {
    List<CostCurveSection.Point> c = r.costCurve();
    if (c == null || c.isEmpty()) {
      return;
    }
    out.append("## 5. Cost curve\n\n");
    out.append("The same measurements at ")
        .append(c.size())
        .append(" fleet sizes, everything else unchanged: ")
        .append(count(r.plan().costBatches()))
        .append(" pre-loaded batches per size for throughput (")
        .append(plural(r.plan().costRepetitions(), "repetition"))
        .append("), and ")
        .append(count(r.plan().costLatency().eventsPerSecond()))
        .append(" events/s of background for latency (")
        .append(plural(r.plan().costLatency().windows(), "window"))
        .append(" of ")
        .append(r.plan().costLatency().window().toSeconds())
        .append(" s).\n\n");
    List<List<String>> rows = new ArrayList<>();
    double base = monitorRate(c.get(0));
    for (CostCurveSection.Point p : c) {
      Summary raw = p.throughput().rates().get(Rung.RAW);
      Summary mon = p.throughput().rates().get(Rung.MONITOR);
      Percentiles l = p.latency().pooled();
      rows.add(
          List.of(
              p.multiplier() + "×",
              count(p.runs()),
              raw.format("%,.0f"),
              mon.format("%,.0f"),
              ratio(p.throughput().monitorToRaw().median()),
              ratio(mon.median() / base),
              num(l.p50Ms(), 0),
              num(l.p99Ms(), 0),
              num(l.maxMs(), 0)));
    }
    out.append(
            table(
                List.of(
                    "size",
                    "runs",
                    "raw events/s",
                    "monitor events/s",
                    "÷ raw",
                    "vs 1×",
                    "p50 ms",
                    "p99 ms",
                    "max ms"),
                rows))
        .append('\n');
  }

  private void jmh() {
    if (r.jmh() == null || r.jmh().isEmpty()) {
      return;
    }
    out.append("## Micro-benchmarks (JMH)\n\n");
    out.append(JmhSection.settings(JmhSection.all().get(0)))
        .append(
            ", average time; inputs cycle through distinct generated batch events. \"Per core\" ")
        .append("is 10⁹ ÷ ns/op: the ceiling that one operation puts on a single thread.\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (JmhSection.Score s : r.jmh()) {
      rows.add(
          List.of(
              "`" + s.benchmark() + "`",
              num(s.nsPerOp(), 0),
              "± " + num(s.errorNs(), 0),
              count(1e9 / s.nsPerOp())));
    }
    out.append(table(List.of("benchmark", "ns/op", "error (99.9%)", "ops/s per core"), rows))
        .append('\n');
  }

  private void profile() {
    JfrProfiler.Profile p = r.throughput() == null ? null : r.throughput().profile();
    if (p == null) {
      return;
    }
    out.append("## Where the time goes\n\n");
    out.append(
            "Java Flight Recorder sampled every thread every 10 ms during one extra monitor pass over item 1's ")
        .append("fleet (not counted in its figures): ")
        .append(count(p.allSamples()))
        .append(" samples in ")
        .append(num(p.recordingMs() / 1000, 1))
        .append(" s, ")
        .append(count(p.samples()))
        .append(" of them in the stream thread. GC paused the JVM ")
        .append(count(p.gcCount()))
        .append(" times for ")
        .append(num(p.gcPauseMs(), 0))
        .append(" ms in total.\n\n");
    out.append("Who used the CPU (all threads; the broker runs in the same JVM):\n\n");
    out.append(shareTable("thread", p.threads())).append('\n');
    out.append(
        "Inside the stream thread, by part of the work (a sample counts for every part on its stack):\n\n");
    out.append(shareTable("part", p.categories())).append('\n');
    out.append("Hottest methods of the stream thread (self time):\n\n");
    out.append(shareTable("method", code(p.hottest()))).append('\n');
    out.append("Largest allocation sites of the stream thread (sampled bytes):\n\n");
    out.append(shareTable("site → type", code(p.allocations()))).append('\n');
  }

  private void closingNote() {
    out.append("## Closing note\n\n");
    for (Verdict v : verdicts(r)) {
      out.append("- **")
          .append(v.item())
          .append("**: ")
          .append(v.measured())
          .append(" against ")
          .append(v.target())
          .append(": ")
          .append(v.met() == null ? "no target" : v.met() ? "met" : "**missed**")
          .append(".\n");
    }
    JfrProfiler.Profile p = r.throughput() == null ? null : r.throughput().profile();
    if (p != null && !p.categories().isEmpty()) {
      List<JfrProfiler.Share> parts = new ArrayList<>(p.categories());
      parts.sort((a, b) -> Double.compare(b.fraction(), a.fraction()));
      out.append("\nWhere the monitor's time goes: of the stream thread's samples, ");
      List<String> top = new ArrayList<>();
      for (JfrProfiler.Share s : parts.subList(0, Math.min(4, parts.size()))) {
        top.add(percent(s.fraction()) + " " + s.name());
      }
      out.append(String.join(", ", top)).append(". ");
      JfrProfiler.Share stream =
          p.threads().stream()
              .filter(s -> s.name().contains("stream thread"))
              .findFirst()
              .orElse(null);
      if (stream != null) {
        out.append("The stream thread took ")
            .append(percent(stream.fraction()))
            .append(
                " of all samples in the JVM; the rest went to the in-process broker and the clients' I/O ")
            .append("threads, which share the machine's cores with it.");
      }
      out.append('\n');
    }
    ThroughputSection.Result t = r.throughput();
    if (t != null && t.rates().containsKey(Rung.DECODE)) {
      double raw = t.rates().get(Rung.RAW).median();
      double decode = t.rates().get(Rung.DECODE).median() / raw;
      out.append(
              "\nThe ladder in item 1 splits the gap to the raw consumer: JSON decoding alone brings a single ")
          .append("thread to ")
          .append(ratio(decode))
          .append(" of the raw rate");
      if (t.rates().containsKey(Rung.STREAMS)) {
        out.append(
                "; Kafka Streams with exactly-once and a changelogged per-run store, without decoding, to ")
            .append(ratio(t.rates().get(Rung.STREAMS).median() / raw));
      }
      if (t.rates().containsKey(Rung.REFERENCE)) {
        out.append("; both together (the minimal app) to ")
            .append(ratio(t.rates().get(Rung.REFERENCE).median() / raw));
      }
      out.append(
          ". What the monitor adds on top of that is its own work (rules, state encoding, caching).");
      if (decode < THROUGHPUT_TARGET) {
        out.append(" Decoding alone already runs below the target of ")
            .append(ratio(THROUGHPUT_TARGET))
            .append(
                ": with events decoded by the current `EventCodec`, no single thread that reads every event ")
            .append("can meet it, whatever the rest costs.");
      }
      out.append('\n');
    }
    out.append('\n');
  }

  private static String shareTable(String what, List<JfrProfiler.Share> shares) {
    List<List<String>> rows = new ArrayList<>();
    for (JfrProfiler.Share s : shares) {
      rows.add(List.of(s.name(), percent(s.fraction())));
    }
    return table(List.of(what, "share"), rows);
  }

  private static List<JfrProfiler.Share> code(List<JfrProfiler.Share> shares) {
    return shares.stream()
        .map(s -> new JfrProfiler.Share("`" + s.name() + "`", s.samples(), s.fraction()))
        .toList();
  }

  private static double monitorRate(CostCurveSection.Point p) {
    return p.throughput().rates().get(Rung.MONITOR).median();
  }

  private static String plural(long n, String noun) {
    return count(n) + " " + noun + (n == 1 ? "" : "s");
  }

  private static String signedPercent(double fraction) {
    return (fraction >= 0 ? "+" : "") + percent(fraction);
  }

  static String describe(RunProfile p) {
    return switch (p) {
      case HEALTHY -> "healthy classifiers";
      case GAUSSIAN_NLL -> "healthy, legitimately negative loss (Gaussian NLL)";
      case SOFTMAX_INTO_NLL -> "faulty: softmax into NLL (negative loss)";
      case UNNORMALIZED_INPUT -> "faulty: 0..255 inputs";
      case DIVERGING -> "faulty: diverging to NaN";
    };
  }
}
