package io.trainwatch.bench;

import static io.trainwatch.bench.Markdown.count;
import static io.trainwatch.bench.Markdown.num;
import static io.trainwatch.bench.Markdown.table;

import io.trainwatch.bench.TakeoverBench.Event;
import io.trainwatch.bench.TakeoverBench.Measurement;
import io.trainwatch.bench.TakeoverBench.Protocol;
import io.trainwatch.bench.TakeoverBench.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The takeover section of the report (item 7) and its verdicts. */
final class TakeoverReport {

  /** Item 7a: a restarted instance processes again within this, seconds. */
  static final double RESTART_TARGET_S = 10;

  /** Item 7b: a dead instance's work is processed by a survivor within this, seconds. */
  static final double FAILOVER_TARGET_S = 15;

  static final String ITEM = "7";

  private TakeoverReport() {}

  /** The product's default set-ups: classic protocol, one standby replica. */
  static final Scenario RESTART = new Scenario(Protocol.CLASSIC, false, 1, false);

  static final Scenario FAILOVER = new Scenario(Protocol.CLASSIC, true, 1, false);
  static final Scenario FAILOVER_NO_STANDBY = new Scenario(Protocol.CLASSIC, true, 0, false);
  static final Scenario PEER_RESTART = new Scenario(Protocol.CLASSIC, true, 1, false, true);
  static final Scenario FAILOVER_KAFKA_DEFAULTS = new Scenario(Protocol.CLASSIC, true, 1, true);

  static List<Verdict> verdicts(TakeoverBench.Result r) {
    List<Verdict> v = new ArrayList<>();
    String runs = count(r.settings().runs()) + " runs";
    // The classic protocol's restarts: of a lone instance, or of a failover's survivor.
    Summary restart = r.summary(RESTART, Event.KILL_RESTART, Measurement::allOutputMs);
    if (restart == null) {
      restart = r.summary(FAILOVER, Event.KILL_RESTART, Measurement::allOutputMs);
    }
    if (restart != null) {
      v.add(
          new Verdict(
              BenchCommand.Section.TAKEOVER,
              ITEM + "a. Restart after SIGKILL on the same state, " + runs,
              seconds(restart) + " from process start to every partition's output",
              "≤ " + num(RESTART_TARGET_S, 0) + " s",
              restart.median() <= RESTART_TARGET_S * 1000));
    }
    Summary failover = r.summary(FAILOVER, Event.KILL_FAILOVER, Measurement::allOutputMs);
    if (failover != null) {
      v.add(
          new Verdict(
              BenchCommand.Section.TAKEOVER,
              ITEM + "b. Failover to a warm standby after SIGKILL, " + runs,
              seconds(failover) + " from the kill to every partition's output",
              "≤ " + num(FAILOVER_TARGET_S, 0) + " s",
              failover.median() <= FAILOVER_TARGET_S * 1000));
    }
    Summary cold = r.summary(FAILOVER_NO_STANDBY, Event.KILL_FAILOVER, Measurement::allOutputMs);
    if (cold != null) {
      v.add(
          new Verdict(
              BenchCommand.Section.TAKEOVER,
              ITEM + "c. Failover without a standby (changelog restore), " + runs,
              seconds(cold) + " from the kill to every partition's output",
              "(a comparison, no target)",
              null));
    }
    Summary peer = r.summary(PEER_RESTART, Event.KILL_RESTART_PEER, Measurement::allOutputMs);
    if (peer != null) {
      v.add(
          new Verdict(
              BenchCommand.Section.TAKEOVER,
              ITEM
                  + "d. Restart after SIGKILL beside a caught-up peer (the group's output), "
                  + runs,
              seconds(peer) + " from process start to every partition's output",
              "≤ " + num(RESTART_TARGET_S, 0) + " s",
              peer.median() <= RESTART_TARGET_S * 1000));
    }
    Summary before =
        r.summary(FAILOVER_KAFKA_DEFAULTS, Event.KILL_RESTART, Measurement::allOutputMs);
    if (before != null) {
      v.add(
          new Verdict(
              BenchCommand.Section.TAKEOVER,
              ITEM + "e. The same as 7a with Kafka Streams' store and metrics defaults, " + runs,
              seconds(before) + " from process start to every partition's output",
              "(a comparison, no target)",
              null));
    }
    return v;
  }

  static String section(TakeoverBench.Result r) {
    TakeoverBench.Settings s = r.settings();
    StringBuilder out = new StringBuilder();
    out.append("## 7. Takeover: restart and failover with ")
        .append(count(s.runs()))
        .append(" runs of state\n\n");
    out.append("Real `trainwatch monitor` processes (child JVMs, -Xmx")
        .append(s.heap())
        .append(") on an embedded broker of their own per set-up, ")
        .append(r.partitions())
        .append(" partitions of trainwatch.events, exactly-once, the product's takeover defaults ")
        .append("(static membership from the state directory, 10 s session, heartbeat 2 s) unless ")
        .append("the scenario says otherwise. Before each measurement ")
        .append(count(s.runs()))
        .append(" runs each sent `run_started` and ")
        .append(s.batchesPerRun())
        .append(" batches, and every event was committed (and, with a standby, the changelogs ")
        .append("were quiet for ")
        .append(TakeoverBench.CHANGELOGS_QUIET.toSeconds())
        .append(" s plus ")
        .append(TakeoverBench.STANDBY_SETTLE.toSeconds())
        .append(" s). Then an instance was stopped and one *probe* per partition was published: ")
        .append(
            "the next batch of a run of the state with a NaN loss, which fires `nonfinite_loss` ")
        .append(
            "at once. Times run from the process start (restart) or the kill (failover) to the ")
        .append("probes' alerts readable by a `read_committed` consumer: the first output of new ")
        .append("work, and every partition processing again. *Restored* is what the restarted or ")
        .append("surviving instance replayed from the changelogs after the event (Kafka Streams' ")
        .append("restore log). Repeated set-ups are quoted as *median (min, max, n)*; scenarios ")
        .append("alternate within each repetition.\n\n");
    out.append(
        "The Streams protocol (`group.protocol=streams`, KIP-1071) keeps the group's settings on "
            + "the broker: these runs set `group.streams.session.timeout.ms` to the same 10 s "
            + "(the broker's minimum lowered to 6 s: its default minimum is 45 s), "
            + "`group.streams.heartbeat.interval.ms` to 2 s (minimum 1 s), "
            + "`group.streams.num.standby.replicas` as the scenario says, and "
            + "`group.streams.initial.rebalance.delay.ms=0` like the classic groups' delay on this "
            + "broker.\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (Scenario sc : s.scenarios()) {
      for (Event e : sc.events()) {
        List<Measurement> ms = r.of(sc, e);
        if (ms.isEmpty()) {
          continue;
        }
        rows.add(
            List.of(
                sc.label(),
                e.description(),
                cell(r, sc, e, Measurement::firstOutputMs),
                cell(r, sc, e, Measurement::allOutputMs),
                e == Event.KILL_FAILOVER ? "" : cell(r, sc, e, Measurement::runningMs),
                e == Event.KILL_FAILOVER ? "" : cell(r, sc, e, Measurement::cpuMs),
                restoredCell(r, sc, e),
                String.valueOf(ms.stream().mapToInt(Measurement::wipedTasks).sum()),
                ms.stream().mapToInt(Measurement::missing).sum()
                    + " / "
                    + ms.stream().mapToInt(Measurement::duplicates).sum()
                    + " of "
                    + ms.stream().mapToInt(Measurement::probes).sum(),
                loadCell(ms)));
      }
    }
    out.append(
            table(
                List.of(
                    "protocol, standbys",
                    "event",
                    "first output, s",
                    "every partition, s",
                    "`monitor running`, s",
                    "CPU used by then, s",
                    "restored records",
                    "tasks wiped",
                    "probes missing / duplicated",
                    "load average (1 min)"),
                rows))
        .append('\n');
    out.append(
        "The machine has 2 cores, shared with other builds while this ran; the load average "
            + "column says how shared. `monitor running` is when the restarted process said so "
            + "(JVM start, topics checked, group joined); Kafka Streams restores state after "
            + "that, before it processes. *CPU used by then* is the restarted process's CPU time "
            + "(user and system, all its threads) when every partition had answered: it barely "
            + "depends on the load, so it says how long the restart would take on a machine with "
            + "cores to spare (at most that, at least that divided by the 2 cores). *Tasks wiped* "
            + "are tasks whose local state Kafka Streams found corrupted and rebuilt from their "
            + "changelogs.\n\n");
    List<List<String>> setupRows = new ArrayList<>();
    for (TakeoverBench.Setup u : r.setups()) {
      setupRows.add(
          List.of(
              u.scenario().id(),
              String.valueOf(u.repetition()),
              count(u.eventsLoaded()),
              num(u.meanEventBytes(), 0),
              num(u.catchUpMs() / 1000, 1),
              count(u.changelogRecords())));
    }
    if (!setupRows.isEmpty()) {
      out.append("The state of each set-up when measured:\n\n")
          .append(
              table(
                  List.of(
                      "set-up",
                      "repetition",
                      "events",
                      "bytes per event",
                      "start to all committed, s",
                      "changelog offsets"),
                  setupRows))
          .append('\n');
    }
    if (!r.failures().isEmpty()) {
      out.append("Set-ups that did not complete (no figures from them):\n\n");
      for (String f : r.failures()) {
        out.append("- ").append(f.replace("\n", " ")).append('\n');
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String cell(
      TakeoverBench.Result r, Scenario sc, Event e, ToDoubleFunction<Measurement> figure) {
    Summary x = r.summary(sc, e, figure);
    return x == null ? "none" : secondsNumber(x);
  }

  private static String restoredCell(TakeoverBench.Result r, Scenario sc, Event e) {
    Summary records = r.summary(sc, e, m -> m.restoredRecords());
    Summary done = r.summary(sc, e, Measurement::restoreDoneMs);
    if (records == null) {
      return "";
    }
    String s = records.count() == 1 ? count(records.median()) : records.format("%,.0f");
    return done == null ? s : s + ", done at " + num(done.median() / 1000, 1) + " s";
  }

  private static String loadCell(List<Measurement> ms) {
    double[] loads = ms.stream().mapToDouble(Measurement::loadAverage).toArray();
    for (double l : loads) {
      if (Double.isNaN(l)) {
        return "unknown";
      }
    }
    return Summary.of(loads).format("%.1f");
  }

  /** Milliseconds summarized as seconds: {@code "9.8 s (min 9.6, max 10.4, n=3)"}. */
  static String seconds(Summary ms) {
    return secondsNumber(ms).replaceFirst("^([0-9.,]+)", "$1 s");
  }

  private static String secondsNumber(Summary ms) {
    Summary s = new Summary(ms.median() / 1000, ms.min() / 1000, ms.max() / 1000, ms.count());
    return s.format("%.1f");
  }
}
