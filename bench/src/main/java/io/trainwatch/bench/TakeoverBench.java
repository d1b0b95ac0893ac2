package io.trainwatch.bench;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.config.MonitorConfigDef;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Topics;
import io.trainwatch.simulator.SimulatedRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Item 7: how fast work resumes when a monitor instance restarts or dies, with a large state.
 *
 * <p>Every measurement runs real {@code trainwatch monitor} processes ({@link MonitorChild}) on an
 * embedded broker of its own, with the product's takeover defaults (static membership from the
 * state directory, a 10 s session, one standby replica) unless the scenario changes one. First the
 * state is built: {@code runs} runs each send {@code run_started} and a few batches, and the
 * benchmark waits until the monitors have committed every event (exactly-once: the state and its
 * changelogs hold them). Then one instance is stopped, and <i>probes</i> are published: one batch
 * with a NaN loss for a run of that state on every partition of {@code trainwatch.events}, each
 * firing {@code nonfinite_loss} at once. The figure is the wall-clock time from the process start
 * (a restart) or the kill (a failover) to each probe's alert readable by a {@code read_committed}
 * consumer: the first output of new work, and the time until every partition answered.
 *
 * <p>Each probe's alert must arrive exactly once: a missing or duplicated one is reported (the
 * behaviour, not the speed, is what tests assert: TakeoverIT).
 */
public final class TakeoverBench {

  private static final Logger LOG = LoggerFactory.getLogger(TakeoverBench.class);

  /** The rule a probe fires: a NaN loss pages at once. */
  static final String PROBE_RULE = "nonfinite_loss";

  /** How long the changelogs must stay unchanged before the standbys count as caught up. */
  static final Duration CHANGELOGS_QUIET = Duration.ofSeconds(3);

  /** Left to the standbys after the changelogs went quiet (they read at the end of the log). */
  static final Duration STANDBY_SETTLE = Duration.ofSeconds(5);

  /** How long duplicates of a probe's alert are waited for after the last probe was answered. */
  static final Duration DUPLICATE_WINDOW = Duration.ofSeconds(3);

  /**
   * The client settings that undo the monitor's restart settings ({@code Monitor.startupDefaults}):
   * Kafka Streams' defaults, as the monitor ran before them.
   */
  static final String KAFKA_DEFAULTS =
      "enable.transactional.statestores=false\n"
          + "rocksdb.config.setter="
          + KafkaDefaultRocksDb.class.getName()
          + "\n"
          + "metric.reporters=org.apache.kafka.common.metrics.JmxReporter\n"
          + "enable.metrics.push=true\n";

  /** The group protocol a scenario's monitors use. */
  public enum Protocol {
    /** The classic rebalance protocol with static membership (the product's default). */
    CLASSIC("classic"),
    /** Kafka 4.x's Streams rebalance protocol (KIP-1071), assignment computed by the broker. */
    STREAMS("streams");

    private final String wire;

    Protocol(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /** What happens to an instance. */
  public enum Event {
    /** One instance alone; SIGKILL, then started again at once on the same state directory. */
    KILL_RESTART("SIGKILL, restarted on the same state directory", "process start"),
    /** One instance alone; SIGTERM (clean close, leaves the group), then started again. */
    TERM_RESTART("SIGTERM, restarted on the same state directory", "process start"),
    /** One of two instances gets SIGKILL and never returns: the survivor takes its work over. */
    KILL_FAILOVER("SIGKILL of one of two instances, never restarted", "kill"),
    /**
     * One of two instances gets SIGKILL and is started again at once on its state directory, while
     * its peer holds caught-up standbys of its tasks: the clock runs to the group's output, whoever
     * produces it.
     */
    KILL_RESTART_PEER(
        "SIGKILL of one of two instances, restarted at once beside its caught-up peer",
        "process start");

    private final String description;
    private final String from;

    Event(String description, String from) {
      this.description = description;
      this.from = from;
    }

    public String description() {
      return description;
    }

    /** What the clock starts at. */
    public String from() {
      return from;
    }
  }

  /**
   * One set-up: a protocol, restart or failover, the standby replicas, and whether the state stores
   * are transactional.
   *
   * @param failover two instances, one killed for good; otherwise one instance restarted
   * @param kafkaDefaults the monitor with Kafka Streams' own settings where it changes them for a
   *     fast restart ({@link #KAFKA_DEFAULTS}): no transactional state stores, RocksDB's default
   *     memtables, the JMX reporter and the client-metrics push on; for comparison
   * @param peerRestart two instances with standbys; one is SIGKILLed and restarted at once ({@link
   *     Event#KILL_RESTART_PEER})
   */
  public record Scenario(
      Protocol protocol,
      boolean failover,
      int standbyReplicas,
      boolean kafkaDefaults,
      boolean peerRestart) {

    public Scenario {
      if (standbyReplicas < 0) {
        throw new IllegalArgumentException("standbyReplicas=" + standbyReplicas);
      }
      if (peerRestart && (!failover || standbyReplicas < 1)) {
        throw new IllegalArgumentException("a peer restart needs two instances and a standby");
      }
    }

    /** A scenario without a peer restart. */
    public Scenario(
        Protocol protocol, boolean failover, int standbyReplicas, boolean kafkaDefaults) {
      this(protocol, failover, standbyReplicas, kafkaDefaults, false);
    }

    /**
     * The events measured in this set-up, in order. With a standby, the failover is followed by
     * restarts of the survivor, which then holds every task's state alone: one state, built once,
     * serves both measurements (building 100,000 runs takes minutes on a loaded machine).
     */
    public List<Event> events() {
      if (peerRestart) {
        return List.of(Event.KILL_RESTART_PEER);
      }
      if (!failover) {
        return List.of(Event.KILL_RESTART, Event.TERM_RESTART);
      }
      return standbyReplicas > 0
          ? List.of(Event.KILL_FAILOVER, Event.KILL_RESTART, Event.TERM_RESTART)
          : List.of(Event.KILL_FAILOVER);
    }

    /** A short id: {@code classic-failover-standby1}, {@code classic-restart-kafka-defaults}. */
    public String id() {
      return protocol.wire()
          + (peerRestart
              ? "-peer-restart"
              : failover ? "-failover-standby" + standbyReplicas : "-restart")
          + (kafkaDefaults ? "-kafka-defaults" : "");
    }

    /** For the report: {@code classic, 1 standby replica}. */
    public String label() {
      return protocol.wire()
          + (failover
              ? ", " + (standbyReplicas == 0 ? "no standby" : standbyReplicas + " standby replica")
              : "")
          + (peerRestart ? ", two instances" : "")
          + (kafkaDefaults ? ", Kafka Streams' store and metrics defaults" : "");
    }
  }

  /** Every scenario {@code --takeover-scenarios} can name. */
  public static List<Scenario> allScenarios() {
    return List.of(
        new Scenario(Protocol.CLASSIC, true, 1, false),
        new Scenario(Protocol.CLASSIC, true, 1, true),
        new Scenario(Protocol.CLASSIC, true, 1, false, true),
        new Scenario(Protocol.CLASSIC, true, 0, false),
        new Scenario(Protocol.STREAMS, true, 1, false),
        new Scenario(Protocol.STREAMS, true, 0, false),
        new Scenario(Protocol.CLASSIC, false, 1, false),
        new Scenario(Protocol.CLASSIC, false, 1, true),
        new Scenario(Protocol.STREAMS, false, 1, false));
  }

  /**
   * What the full section measures with the classic protocol (the product's): failover to a standby
   * followed by restarts of the survivor, the same with Kafka Streams' defaults for comparison, a
   * crashed instance restarted beside its caught-up peer, and the failover without a standby.
   */
  public static List<Scenario> defaultScenarios() {
    return allScenarios().subList(0, 4);
  }

  /**
   * How the section is run.
   *
   * @param runs runs in the state before each measurement
   * @param batchesPerRun batches each run sent before the measurement (after its run_started)
   * @param repetitions set-ups per scenario, each on a fresh broker
   * @param scenarios what is measured
   * @param heap each monitor's {@code -Xmx}
   * @param timeout longest wait for a monitor to start, a catch-up or the probes' alerts (the
   *     machine may be shared with many builds)
   */
  public record Settings(
      int runs,
      int batchesPerRun,
      int repetitions,
      List<Scenario> scenarios,
      String heap,
      Duration timeout,
      long seed) {

    public Settings {
      if (runs < 1 || batchesPerRun < 1 || repetitions < 1 || scenarios.isEmpty()) {
        throw new IllegalArgumentException(
            "runs, batchesPerRun, repetitions and scenarios must be positive");
      }
      scenarios = List.copyOf(scenarios);
    }

    /** The size: 100,000 runs of state, three repetitions of every scenario. */
    public static Settings full(long seed) {
      return new Settings(100_000, 1, 3, defaultScenarios(), "1g", Duration.ofMinutes(15), seed);
    }

    /** The smoke test: a small state, one repetition of the classic scenarios. */
    public static Settings quick(long seed) {
      return new Settings(
          300,
          2,
          1,
          List.of(new Scenario(Protocol.CLASSIC, true, 1, false)),
          "512m",
          Duration.ofMinutes(10),
          seed);
    }

    /** These settings with other sizes. */
    public Settings withSize(int newRuns, int newRepetitions) {
      return new Settings(newRuns, batchesPerRun, newRepetitions, scenarios, heap, timeout, seed);
    }

    /** These settings with other scenarios. */
    public Settings withScenarios(List<Scenario> newScenarios) {
      return new Settings(runs, batchesPerRun, repetitions, newScenarios, heap, timeout, seed);
    }
  }

  /**
   * One measured takeover.
   *
   * @param firstOutputMs from {@link Event#from()} to the first probe's alert readable
   * @param allOutputMs from {@link Event#from()} to the last partition's probe alert readable:
   *     every partition of the stopped instance processes again
   * @param runningMs from the process start to the monitor saying it is running (restarts only; NaN
   *     for a failover)
   * @param restoredRecords changelog records the (re)started or surviving instance restored after
   *     the event, from Kafka Streams' restore log
   * @param restoredPartitions changelog partitions restored
   * @param restoreDoneMs from {@link Event#from()} to the end of the last restore, NaN if none
   * @param wipedTasks tasks whose local state Kafka Streams wiped and rebuilt from the changelogs
   * @param probes probes published (one per partition)
   * @param missing probes whose alert never came
   * @param duplicates probe alerts seen more than once
   * @param loadAverage the machine's 1-minute load average when the measurement ended
   * @param cpuMs CPU time the (re)started process had used when every partition's probe was
   *     answered (restarts only; NaN for a failover or where it cannot be read)
   */
  public record Measurement(
      Scenario scenario,
      Event event,
      int repetition,
      double firstOutputMs,
      double allOutputMs,
      double runningMs,
      long restoredRecords,
      int restoredPartitions,
      double restoreDoneMs,
      int wipedTasks,
      int probes,
      int missing,
      int duplicates,
      double loadAverage,
      double cpuMs) {}

  /**
   * The state one set-up measured with.
   *
   * @param eventsLoaded events published before the measurement
   * @param meanEventBytes mean JSON size of one
   * @param catchUpMs from the first monitor start to every event committed
   * @param changelogRecords records (offsets) in the application's changelogs when measured
   */
  public record Setup(
      Scenario scenario,
      int repetition,
      long eventsLoaded,
      double meanEventBytes,
      double catchUpMs,
      long changelogRecords) {}

  /**
   * The section's outcome.
   *
   * @param failures set-ups that did not complete, with the reason (their measurements are absent)
   */
  public record Result(
      Settings settings,
      int partitions,
      List<Setup> setups,
      List<Measurement> measurements,
      List<String> failures) {

    /** The measurements of one scenario and event. */
    public List<Measurement> of(Scenario scenario, Event event) {
      return measurements.stream()
          .filter(m -> m.scenario().equals(scenario) && m.event() == event)
          .toList();
    }

    /** Median, min and max of a figure over the repetitions, or {@code null} if none. */
    public Summary summary(
        Scenario scenario, Event event, java.util.function.ToDoubleFunction<Measurement> figure) {
      double[] values =
          of(scenario, event).stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).toArray();
      return values.length == 0 ? null : Summary.of(values);
    }
  }

  private TakeoverBench() {}

  /** Runs every scenario {@code repetitions} times, each on a broker of its own. */
  public static Result run(Settings s, int partitions, Path logDir) {
    List<Setup> setups = new ArrayList<>();
    List<Measurement> measurements = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int total = s.repetitions() * s.scenarios().size();
    int done = 0;
    for (int rep = 1; rep <= s.repetitions(); rep++) {
      // Scenarios alternate within a repetition: a change of load hits all of them alike.
      for (Scenario sc : s.scenarios()) {
        done++;
        LOG.info("takeover [{}/{}] {} (repetition {})", done, total, sc.id(), rep);
        try {
          runSetup(sc, rep, s, partitions, logDir, setups, measurements);
        } catch (RuntimeException e) {
          LOG.warn("takeover {} repetition {} failed: {}", sc.id(), rep, e.toString());
          failures.add(sc.id() + " repetition " + rep + ": " + e.getMessage());
        }
      }
    }
    return new Result(s, partitions, setups, measurements, failures);
  }

  /** Broker settings for the Streams protocol: the group's settings live on the broker there. */
  static Map<String, String> streamsGroupBrokerConfig(Duration session, int standbyReplicas) {
    Map<String, String> p = new LinkedHashMap<>();
    // The same session and heartbeat as the classic members get from the monitor's configuration.
    // The broker's defaults (45 s, at least 45 s) would make every failover 45 s long.
    p.put("group.streams.min.session.timeout.ms", "6000");
    p.put("group.streams.session.timeout.ms", String.valueOf(session.toMillis()));
    p.put("group.streams.min.heartbeat.interval.ms", "1000");
    p.put("group.streams.heartbeat.interval.ms", String.valueOf(session.toMillis() / 5));
    p.put("group.streams.num.standby.replicas", String.valueOf(standbyReplicas));
    // As group.initial.rebalance.delay.ms=0 for the classic groups on this test broker.
    p.put("group.streams.initial.rebalance.delay.ms", "0");
    return p;
  }

  private static void runSetup(
      Scenario sc,
      int rep,
      Settings s,
      int partitions,
      Path logDir,
      List<Setup> setups,
      List<Measurement> measurements) {
    MonitorConfig defaults = MonitorConfig.defaults();
    Duration session = defaults.group().sessionTimeout();
    Map<String, String> brokerProps =
        sc.protocol() == Protocol.STREAMS
            ? streamsGroupBrokerConfig(session, sc.standbyReplicas())
            : Map.of();
    Path work = CatchUp.tempDir();
    String appId = "takeover-" + sc.id() + "-" + rep;
    Path logs = logDir.resolve(appId);
    List<MonitorChild> children = new ArrayList<>();
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(
            EmbeddedKafkaBroker.Options.defaults().withExtraProperties(brokerProps))) {
      String bootstrap = broker.bootstrapServers();
      broker.createTopic(Topics.EVENTS, partitions);
      broker.createTopic(Topics.ALERTS, defaults.alertsPartitions());
      broker.createTopic(Topics.EVENTS_DLQ, 1);
      Files.createDirectories(logs);
      Path config = work.resolve("monitor.properties");
      Files.writeString(
          config,
          MonitorConfigDef.STANDBY_REPLICAS + "=" + sc.standbyReplicas() + "\n",
          StandardCharsets.UTF_8);
      Path client = work.resolve("client.properties");
      Files.writeString(
          client,
          "group.protocol="
              + sc.protocol().wire()
              + "\n"
              + (sc.kafkaDefaults() ? KAFKA_DEFAULTS : ""),
          StandardCharsets.UTF_8);
      Instances inst = new Instances(bootstrap, appId, work, config, client, logs, s.heap());

      long startNanos = System.nanoTime();
      children.add(inst.start("a"));
      children.get(0).awaitRunning(s.timeout());
      if (sc.failover()) {
        // Both instances before the state exists: each is active for half of the tasks, and the
        // standbys (if any) are the only copies of the other half.
        children.add(inst.start("b"));
        children.get(1).awaitRunning(s.timeout());
      }
      Fleet fleet = new Fleet(new FleetSpec("takeover", s.runs(), 0.0, s.seed() + rep));
      EventLoader.LoadResult load =
          EventLoader.load(
              bootstrap,
              Topics.EVENTS,
              fleet.events(
                  (long) s.runs() * s.batchesPerRun(), System.currentTimeMillis() - 60_000, 100));
      try (TopicProbe probe = new TopicProbe(bootstrap);
          Probes probes = new Probes(bootstrap, fleet, partitions);
          AlertWatcher watcher = new AlertWatcher(bootstrap)) {
        awaitCaughtUp(probe, appId, s.timeout());
        double catchUpMs = (System.nanoTime() - startNanos) / 1e6;
        if (sc.failover() && sc.standbyReplicas() > 0) {
          awaitChangelogsQuiet(probe, appId, s.timeout());
          CatchUp.sleep(STANDBY_SETTLE);
        }
        long changelog = changelogRecords(probe, appId);
        setups.add(new Setup(sc, rep, load.events(), load.meanEventBytes(), catchUpMs, changelog));
        LOG.info(
            "takeover {}: {} runs, {} events committed in {} s, {} changelog records",
            sc.id(),
            s.runs(),
            load.events(),
            Math.round(catchUpMs / 1000),
            changelog);
        for (Event event : sc.events()) {
          measurements.add(
              measure(sc, event, rep, s, children, inst, probes, watcher, probe, appId));
          awaitCaughtUp(probe, appId, s.timeout());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (MonitorChild c : children) {
        c.kill();
      }
      CatchUp.deleteRecursively(work);
    }
  }

  private static Measurement measure(
      Scenario sc,
      Event event,
      int rep,
      Settings s,
      List<MonitorChild> children,
      Instances inst,
      Probes probes,
      AlertWatcher watcher,
      TopicProbe topics,
      String appId) {
    long t0;
    MonitorChild measured;
    Map<String, Integer> sent;
    switch (event) {
      case KILL_RESTART, TERM_RESTART -> {
        // The instance that runs alone: the only one, or the survivor of a failover.
        int last = children.size() - 1;
        MonitorChild alone = children.get(last);
        if (event == Event.KILL_RESTART) {
          alone.kill();
        } else if (!alone.stop(Duration.ofSeconds(60))) {
          throw new IllegalStateException(alone + " did not stop within 60 s of SIGTERM");
        }
        // Published while no instance runs: they wait in Kafka for the restarted one.
        sent = probes.publish();
        MonitorChild restarted = inst.start(last == 0 ? "a" : "b");
        children.set(last, restarted);
        t0 = restarted.spawnedNanos();
        measured = restarted;
      }
      case KILL_RESTART_PEER -> {
        // The first instance; its peer keeps running with standbys of its tasks.
        children.get(0).kill();
        sent = probes.publish();
        MonitorChild restarted = inst.start("a");
        children.set(0, restarted);
        t0 = restarted.spawnedNanos();
        measured = restarted;
      }
      case KILL_FAILOVER -> {
        t0 = System.nanoTime();
        children.get(0).kill();
        sent = probes.publish();
        measured = children.get(1);
      }
      default -> throw new IllegalStateException("unknown event " + event);
    }
    int restoresBefore = event == Event.KILL_FAILOVER ? measured.restores().size() : 0;
    Map<String, Long> seen = watcher.await(sent.keySet(), s.timeout(), measured::isAlive);
    // The restarted process's CPU time up to its answers (not meaningful for a survivor).
    double cpuMs = event == Event.KILL_FAILOVER ? Double.NaN : measured.cpuMillis();
    if (!measured.isAlive()) {
      throw new IllegalStateException(
          measured + " exited during the measurement (see " + appId + "'s logs)");
    }
    CatchUp.sleep(DUPLICATE_WINDOW);
    // A restarted instance beside a peer may not be running yet when the group has answered.
    if (event != Event.KILL_FAILOVER && measured.readyNanos() == 0) {
      measured.awaitRunning(s.timeout());
    }
    double first = seen.values().stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
    double last = seen.values().stream().mapToLong(Long::longValue).max().orElse(Long.MIN_VALUE);
    List<MonitorChild.Restore> restores =
        measured.restores().subList(restoresBefore, measured.restores().size());
    long restored = restores.stream().mapToLong(MonitorChild.Restore::records).sum();
    double restoreDone =
        restores.stream().mapToLong(MonitorChild.Restore::atNanos).max().stream()
            .mapToDouble(n -> (n - t0) / 1e6)
            .findFirst()
            .orElse(Double.NaN);
    Measurement m =
        new Measurement(
            sc,
            event,
            rep,
            seen.isEmpty() ? Double.NaN : (first - t0) / 1e6,
            seen.size() < sent.size() ? Double.NaN : (last - t0) / 1e6,
            event == Event.KILL_FAILOVER ? Double.NaN : (measured.readyNanos() - t0) / 1e6,
            restored,
            restores.size(),
            restoreDone,
            measured.wipes(),
            sent.size(),
            sent.size() - seen.size(),
            watcher.duplicates(sent.keySet()),
            loadAverage(),
            cpuMs);
    LOG.info(
        String.format(
            Locale.ROOT,
            "takeover %s, %s: first output %.0f ms, every partition %.0f ms after the %s;"
                + " restored %d records from %d changelog partitions; %d missing, %d duplicated;"
                + " %.1f CPU s; load %.1f",
            sc.id(),
            event.description(),
            m.firstOutputMs(),
            m.allOutputMs(),
            event.from(),
            restored,
            restores.size(),
            m.missing(),
            m.duplicates(),
            cpuMs / 1000,
            m.loadAverage()));
    return m;
  }

  /** Waits until the group has committed every event published so far. */
  static void awaitCaughtUp(TopicProbe probe, String groupId, Duration timeout) {
    Map<TopicPartition, Long> end = probe.endOffsets(probe.partitions(Topics.EVENTS));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!probe.caughtUp(groupId, end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the monitors did not commit every event within "
                + timeout.toSeconds()
                + " s (committed "
                + probe.committed(groupId)
                + ", end "
                + end
                + ")");
      }
      CatchUp.sleep(Duration.ofMillis(200));
    }
  }

  /** Waits until no changelog of the application grew for {@link #CHANGELOGS_QUIET}. */
  private static void awaitChangelogsQuiet(TopicProbe probe, String appId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long last = -1;
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long now = changelogRecords(probe, appId);
      if (now != last) {
        last = now;
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince >= CHANGELOGS_QUIET.toNanos()) {
        return;
      }
      CatchUp.sleep(Duration.ofMillis(250));
    }
  }

  /** Offsets in the application's changelog topics (records plus transaction markers). */
  static long changelogRecords(TopicProbe probe, String appId) {
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : probe.topics()) {
      if (t.startsWith(appId + "-") && t.endsWith("-changelog")) {
        parts.addAll(probe.partitions(t));
      }
    }
    return parts.isEmpty()
        ? 0
        : probe.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
  }

  /** The 1-minute load average, or NaN where {@code /proc/loadavg} does not exist. */
  static double loadAverage() {
    try {
      String s = Files.readString(Path.of("/proc/loadavg"));
      return Double.parseDouble(s.substring(0, s.indexOf(' ')));
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** Starts the monitor instances of one set-up, each on a state directory of its own. */
  private record Instances(
      String bootstrap, String appId, Path work, Path config, Path client, Path logs, String heap) {

    MonitorChild start(String name) {
      return MonitorChild.start(
          "monitor-" + name,
          bootstrap,
          appId,
          work.resolve("state-" + name),
          config,
          client,
          logs.resolve("monitor-" + name + ".log"),
          heap);
    }
  }

  /**
   * Publishes probes: per partition of {@code trainwatch.events}, the next batch of a run of the
   * state (a run not probed before) with a NaN loss.
   */
  static final class Probes implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final List<List<SimulatedRun>> byPartition = new ArrayList<>();
    private int round;

    Probes(String bootstrap, Fleet fleet, int partitions) {
      for (int p = 0; p < partitions; p++) {
        byPartition.add(new ArrayList<>());
      }
      for (SimulatedRun r : fleet.runs()) {
        byPartition.get(partitionOf(r.runId(), partitions)).add(r);
      }
      Map<String, Object> config = new HashMap<>(LatencyBench.trainerProducerConfig(bootstrap));
      config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    /** The partition Kafka's default partitioner gives a run's events (murmur2 of the key). */
    static int partitionOf(String runId, int partitions) {
      return Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * Publishes one probe per partition and waits for their acknowledgement.
     *
     * @return the probes' run ids, with their partitions
     */
    Map<String, Integer> publish() {
      Map<String, Integer> sent = new LinkedHashMap<>();
      long now = System.currentTimeMillis();
      for (int p = 0; p < byPartition.size(); p++) {
        List<SimulatedRun> runs = byPartition.get(p);
        if (round >= runs.size()) {
          continue; // a tiny state: no fresh run left on this partition
        }
        SimulatedRun run = runs.get(round);
        BatchEvent probe = nanLoss(run.nextBatch(now));
        producer.send(
            new ProducerRecord<>(Topics.EVENTS, p, now, run.runId(), EventCodec.encode(probe)));
        sent.put(run.runId(), p);
      }
      producer.flush();
      round++;
      return sent;
    }

    /** The same batch with a NaN loss. */
    static BatchEvent nanLoss(BatchEvent b) {
      return new BatchEvent(
          b.runId(),
          b.tsMs(),
          b.step(),
          b.epoch(),
          b.batchSize(),
          Double.NaN,
          b.input(),
          b.output(),
          b.predictions(),
          b.gradNorm(),
          b.firstLayerGradNorm(),
          b.lr(),
          b.stepMs(),
          b.dataMs(),
          b.computeMs(),
          b.lossScale(),
          b.skipped());
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(10));
    }
  }

  /**
   * Reads {@code trainwatch.alerts} as committed ({@code read_committed}) from its end, noting when
   * each run's first {@value #PROBE_RULE} alert was seen and how often.
   */
  static final class AlertWatcher implements AutoCloseable {

    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final Map<String, Integer> seenCount = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final Thread thread;

    AlertWatcher(String bootstrap) {
      KafkaConsumer<byte[], byte[]> consumer = TopicReading.committed(bootstrap);
      TopicReading.fromEnd(consumer, Topics.ALERTS); // before any probe is published
      thread = new Thread(() -> poll(consumer), "takeover-alert-watcher");
      thread.setDaemon(true);
      thread.start();
    }

    private void poll(KafkaConsumer<byte[], byte[]> consumer) {
      try (consumer) {
        while (!stop.get()) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
            long now = System.nanoTime();
            Alert alert;
            try {
              alert = AlertCodec.decode(r.value());
            } catch (RuntimeException e) {
              continue; // not the probes' business
            }
            if (alert.firing() && PROBE_RULE.equals(alert.rule()) && alert.runId() != null) {
              firstSeen.putIfAbsent(alert.runId(), now);
              seenCount.merge(alert.runId(), 1, Integer::sum);
            }
          }
        }
      } catch (RuntimeException e) {
        failure.set(e);
      }
    }

    /**
     * Waits until every run's probe alert was seen, {@code timeout} passed, or the instance that
     * should answer is gone.
     *
     * @return when each seen one was first seen ({@link System#nanoTime})
     */
    Map<String, Long> await(
        Collection<String> runIds, Duration timeout, java.util.function.BooleanSupplier alive) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline
          && alive.getAsBoolean()
          && !firstSeen.keySet().containsAll(runIds)) {
        if (failure.get() != null) {
          throw failure.get();
        }
        CatchUp.sleep(Duration.ofMillis(10));
      }
      return runIds.stream()
          .filter(firstSeen::containsKey)
          .collect(Collectors.toMap(id -> id, firstSeen::get));
    }

    /** How many of these runs' probe alerts were seen more than once. */
    int duplicates(Set<String> runIds) {
      return (int) runIds.stream().filter(id -> seenCount.getOrDefault(id, 0) > 1).count();
    }

    @Override
    public void close() {
      stop.set(true);
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
