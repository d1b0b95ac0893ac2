package io.trainwatch.bench;

import static io.trainwatch.bench.Markdown.count;
import static io.trainwatch.bench.Markdown.num;
import static io.trainwatch.bench.Markdown.percent;
import static io.trainwatch.bench.Markdown.ratio;
import static io.trainwatch.bench.Markdown.table;

import java.util.ArrayList;
import java.util.List;

/** The fleet section of the report and its summary line. */
final class FleetReport {

  static final String ITEM = "6. Fleet: ";

  private FleetReport() {}

  /** The summary line: the fleet's rate and the probes' p99 against the target. */
  static Verdict verdict(FleetBench.Result f) {
    FleetBench.Settings s = f.settings();
    String p99 =
        f.probeLatency() == null ? "no probe alert" : num(f.probeLatency().p99Ms(), 0) + " ms";
    return new Verdict(
        BenchCommand.Section.FLEET,
        ITEM + count(s.ranks()) + " ranks, " + count(s.offeredRate()) + " events/s",
        count(f.processedRate())
            + " events/s processed ("
            + ratio(f.processedRate() / s.offeredRate())
            + "), alert p99 "
            + p99
            + ", lag "
            + count(f.lagAtEnd())
            + " at the end",
        "≥ "
            + count(s.offeredRate())
            + " events/s, p99 ≤ "
            + num(FleetBench.P99_TARGET_MS, 0)
            + " ms",
        f.sustained());
  }

  static String section(FleetBench.Result f) {
    FleetBench.Settings s = f.settings();
    StringBuilder out = new StringBuilder();
    out.append("## 6. A Llama-3-sized fleet on one box\n\n");
    out.append(count(s.jobs()))
        .append(" synchronous data-parallel jobs of ")
        .append(s.ranksPerJob())
        .append(" ranks (")
        .append(count(s.ranks()))
        .append(
            " ranks, one per GPU; a job's ranks on two 8-GPU nodes, each node shared by two jobs) step ")
        .append(num(s.stepsPerSecond(), 0))
        .append(" times a second, every rank publishing one batch event per step: **")
        .append(count(s.offeredRate()))
        .append(" events/s**, live, for ")
        .append(s.duration().toSeconds())
        .append(" s measured after ")
        .append(s.warmup().toSeconds())
        .append(
            " s of warm-up. The events come from the simulator's `SimulatedJob` (per-rank compute")
        .append(
            " and data-wait jitter, per-GPU offsets, one loss curve with per-rank noise); healthy")
        .append(" jobs' events are pre-encoded (")
        .append(FleetLoad.TEMPLATE_STEPS)
        .append(
            " simulated steps per rank, cycled, with each step's event time, step number, loss and"
                + " timings (step, data wait, compute: what the job-level rules compare) written in;")
        .append(" ")
        .append(count(f.meanEventBytes()))
        .append(" bytes of JSON on average) and sent by ")
        .append(s.producers())
        .append(
            " producer threads (acks=all, idempotent, lz4), keyed by run id. The monitor ran with ")
        .append(f.streamThreads())
        .append(" stream thread(s) on ")
        .append(f.partitions())
        .append(
            " partitions of trainwatch.events, exactly-once, every rule on, the job-level rules")
        .append(" included, in the same JVM as the broker and the producers (")
        .append(f.cores())
        .append(" cores).\n\n");

    List<List<String>> rates = new ArrayList<>();
    rates.add(List.of("the fleet (the target)", count(s.offeredRate()), "1.00×"));
    rates.add(
        List.of(
            "offered: acknowledged by the broker",
            count(f.offeredRate()),
            ratio(f.offeredRate() / s.offeredRate())));
    rates.add(
        List.of(
            "processed: committed by the monitor",
            count(f.processedRate())
                + (f.processedPer10s() == null
                    ? ""
                    : " (per 10 s: min "
                        + count(f.processedPer10s().min())
                        + ", max "
                        + count(f.processedPer10s().max())
                        + ", n="
                        + f.processedPer10s().count()
                        + ")"),
            ratio(f.processedRate() / s.offeredRate())));
    rates.add(
        List.of(
            "raw KafkaConsumer, bytes only, on the same topic afterwards ("
                + count(f.rawEvents())
                + " events)",
            count(f.rawRate()),
            ratio(f.rawRate() / s.offeredRate())));
    out.append(table(List.of("", "events/s", "÷ the fleet's rate"), rates)).append('\n');
    out.append("Monitor ÷ raw consumer, same run: **")
        .append(ratio(f.processedRate() / Math.max(1, f.rawRate())))
        .append("**. Lag of trainwatch.events when the window ended: **")
        .append(count(f.lagAtEnd()))
        .append(" events** (")
        .append(num(f.lagAtEnd() / Math.max(1, f.processedRate()), 1))
        .append(" s of processing at the monitor's rate; largest in the window ")
        .append(count(f.maxLag()))
        .append("); the producers were ")
        .append(count(f.behindScheduleAtEnd()))
        .append(" events behind their schedule. ")
        .append(
            f.caughtUp()
                ? "After the window the monitor caught up in " + num(f.drainSeconds(), 0) + " s."
                : "After the window the monitor had not caught up within "
                    + num(f.drainSeconds(), 0)
                    + " s (the drain's limit).")
        .append("\n\n");

    out.append("### Alerts\n\n");
    out.append(
            "Faults injected (the jobs' alerts go to trainwatch.alerts like any other; a healthy job must")
        .append(" stay quiet):\n\n");
    List<List<String>> faults = new ArrayList<>();
    for (FleetBench.InjectedFault i : f.faults()) {
      faults.add(List.of(i.what(), i.job(), "`" + i.rule() + "`", i.alerted() ? "yes" : "**no**"));
    }
    out.append(table(List.of("fault", "job", "expected alert", "alerted"), faults)).append('\n');
    out.append(
            "Latency runs from the event time the producer stamped on the step an alert names (or")
        .append(
            " on the fault's first step) to a `read_committed` consumer returning the alert (HdrHistogram,")
        .append(" ms). The probes are ")
        .append(f.probesInjected())
        .append(
            " standalone faulty runs (no job: softmax into NLL, 0..255 inputs, diverging) started")
        .append(" during the window, each stepping at the fleet's pace until its first alert (")
        .append(f.probesAlerted())
        .append(" alerted): their alerts page at once, so their latency is the monitor's own under")
        .append(" the fleet's load, the figure the ")
        .append(num(FleetBench.P99_TARGET_MS, 0))
        .append(" ms target is about. The jobs' alerts wait by design: a rank's alert is grouped")
        .append(
            " with its job's other ranks for `monitor.jobs.group_wait_seconds` (5 s) and published")
        .append(
            " at the next wall-clock tick, and `job_hang` fires after `rules.job_hang.min_seconds`")
        .append(" (60 s) of silence.\n\n");
    List<List<String>> lat = new ArrayList<>();
    if (f.probeLatency() != null) {
      lat.add(latencyRow(f.probeLatency()));
    }
    for (FleetBench.RuleLatency l : f.jobLatency()) {
      lat.add(latencyRow(l));
    }
    out.append(
            table(List.of("alerts", "measured from", "alerts", "p50 ms", "p99 ms", "max ms"), lat))
        .append('\n');
    out.append("Firing alerts by rule: ")
        .append(f.firingByRule())
        .append(". On healthy jobs (false alarms): ")
        .append(f.falseAlarmsByRule().isEmpty() ? "none" : f.falseAlarmsByRule().toString())
        .append(". The same alert revision read twice (exactly-once would break): ")
        .append(f.duplicateAlerts())
        .append(".\n\n");

    out.append("### State\n\n");
    out.append(
            "The latest value of each key in the monitor's changelogs after the run (what a restore")
        .append(" reads back):\n\n");
    List<List<String>> st = new ArrayList<>();
    for (ChangelogSizes.StoreSize z : f.state()) {
      if (z.keys() == 0) {
        continue;
      }
      st.add(
          List.of(
              z.store(),
              count(z.keys()),
              count(z.medianBytes()),
              count(z.p99Bytes()),
              count(z.maxBytes())));
    }
    out.append(table(List.of("store", "keys", "median B", "p99 B", "max B"), st)).append('\n');
    out.append("Per rank (its run stores and its job-level rank record, keys included): **")
        .append(count(f.stateBytesPerRank()))
        .append(" B**. Per job (its summary and its recent steps, at most 256, keys included): **")
        .append(count(f.stateBytesPerJob()))
        .append(" B**.\n\n");

    out.append("### What the fleet needs\n\n");
    double window = f.windowSeconds();
    out.append("In the ")
        .append(num(window, 0))
        .append(" s window the monitor's stream thread(s) used ")
        .append(num(f.streamCpuSeconds(), 1))
        .append(" s of CPU (")
        .append(num(f.streamCpuSeconds() / window, 2))
        .append(" cores) and the whole JVM (monitor, broker, producers) ")
        .append(num(f.processCpuSeconds(), 1))
        .append(" s (")
        .append(num(f.processCpuSeconds() / window, 2))
        .append(" of ")
        .append(f.cores())
        .append(" cores): **")
        .append(count(f.eventsPerStreamCoreSecond()))
        .append(" events per second of stream-thread CPU**. After the window, the producers")
        .append(" stopped, the monitor read its backlog at ")
        .append(count(f.drainRate()))
        .append(" events/s, ")
        .append(count(f.drainEventsPerStreamCoreSecond()))
        .append(" per second of stream-thread CPU.\n\n");
    if (!f.streamThreadStates().isEmpty()) {
      out.append(
              "Where the stream thread's wall-clock time went in the window (its state and stack")
          .append(" sampled every ")
          .append(ThreadStates.PERIOD_MS)
          .append(" ms):\n\n");
      List<List<String>> rows = new ArrayList<>();
      f.streamThreadStates().forEach((k, v) -> rows.add(List.of(k, percent(v))));
      out.append(table(List.of("stream thread", "share of samples"), rows)).append('\n');
    }
    if (f.sustained()) {
      out.append("The fleet was sustained on this box.\n\n");
    } else {
      out.append("**Short of the target.** ");
      if (f.processedRate() < 0.98 * s.offeredRate()) {
        out.append("The monitor processed ")
            .append(count(f.processedRate()))
            .append(" of ")
            .append(count(s.offeredRate()))
            .append(" events/s: ")
            .append(percent(1 - f.processedRate() / s.offeredRate()))
            .append(" short; the fleet needs ")
            .append(ratio(f.shortfall()))
            .append(" the rate this box processed. ");
      }
      if (f.offeredRate() < 0.98 * s.offeredRate()) {
        out.append("The producers themselves offered only ")
            .append(ratio(f.offeredRate() / s.offeredRate()))
            .append(" of the fleet's rate on what CPU they got. ");
      }
      if (f.probeLatency() == null) {
        out.append("No probe alert arrived, so no latency was measured. ");
      } else if (f.probeLatency().p99Ms() > FleetBench.P99_TARGET_MS) {
        out.append("Alert p99 was ")
            .append(num(f.probeLatency().p99Ms(), 0))
            .append(" ms against ")
            .append(num(FleetBench.P99_TARGET_MS, 0))
            .append(" ms (")
            .append(ratio(f.probeLatency().p99Ms() / FleetBench.P99_TARGET_MS))
            .append(")")
            .append(
                f.lagAtEnd() > f.processedRate()
                    ? ": events waited in the growing lag before the monitor read them. "
                    : ". ");
      }
      out.append("Why: ");
      double commit = f.streamThreadStates().getOrDefault(ThreadStates.COMMIT, 0.0);
      double running = f.streamThreadStates().getOrDefault(ThreadStates.RUNNING, 0.0);
      double streamCores = f.streamCpuSeconds() / window;
      if (commit >= 0.5) {
        out.append("the stream thread spent ")
            .append(percent(commit))
            .append(" of the window blocked in exactly-once commits, waiting for the")
            .append(" transaction's writes to be acknowledged, and used ")
            .append(num(streamCores, 2))
            .append(" cores: it was neither busy nor short of CPU, it waited on the broker");
      } else if (streamCores >= 0.85 * f.streamThreads()) {
        out.append("the stream thread(s) were busy ")
            .append(percent(streamCores / f.streamThreads()))
            .append(" of the window: the monitor is CPU-bound");
      } else {
        out.append("the stream thread(s) got ")
            .append(num(streamCores, 2))
            .append(" cores while runnable ")
            .append(percent(running))
            .append(" of the time: the JVM used ")
            .append(num(f.processCpuSeconds() / window, 2))
            .append(" of the ")
            .append(f.cores())
            .append(" cores, the broker and the producers taking their share, and other")
            .append(" processes on this shared machine theirs (summary table)");
      }
      out.append(". ");
    }
    out.append("Sized on the better of the two per-core rates (")
        .append(count(f.sizingRate()))
        .append(" events/s) with stream threads at most ")
        .append(percent(FleetBench.TARGET_UTILIZATION))
        .append(" busy (so queues stay short and alerts fast), ")
        .append(count(s.offeredRate()))
        .append(" events/s need **")
        .append(f.streamThreadsNeeded())
        .append(" stream threads**: **")
        .append(f.instancesNeeded())
        .append(" instances** of ")
        .append(f.cores())
        .append(" cores (one stream thread per core, the brokers elsewhere) and at least **")
        .append(f.partitionsNeeded())
        .append(
            " partitions** of trainwatch.events (a partition is never split between threads; the")
        .append(
            " job- and host-signal topics follow the events' count). It assumes a stream thread")
        .append(" with a core of its own keeps the per-core rate measured here")
        .append(
            f.streamThreadStates().getOrDefault(ThreadStates.COMMIT, 0.0) >= 0.2
                ? ", which the commit waits above did not let it reach: a floor.\n\n"
                : ".\n\n");
    return out.toString();
  }

  private static List<String> latencyRow(FleetBench.RuleLatency l) {
    return List.of(
        l.rule().startsWith("probe") ? l.rule() : "`" + l.rule() + "`",
        l.measuredFrom(),
        count(l.alerts()),
        num(l.p50Ms(), 0),
        num(l.p99Ms(), 0),
        num(l.maxMs(), 0));
  }
}
