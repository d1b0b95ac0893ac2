package io.trainwatch.bench;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.cli.Progress;
import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Items 1 and 5 (throughput): pre-load a fleet, then read it to the end with each rung of a ladder,
 * side by side in every repetition: the raw consumer (the transport's limit), the raw consumer
 * decoding each event, a minimal exactly-once Streams app without and with decoding, and the
 * monitor. The ratio monitor ÷ raw is computed within each repetition.
 */
public final class ThroughputSection {

  private static final Logger LOG = LoggerFactory.getLogger(ThroughputSection.class);

  /** The ladder, from the physical limit down to the system under test. */
  public enum Rung {
    RAW("KafkaConsumer, bytes only (the limit)"),
    DECODE("KafkaConsumer + EventCodec.decode"),
    STREAMS("minimal Streams app: per-run get/put by key, no decode, EOS"),
    REFERENCE("minimal Streams app: decode + per-run get/put, EOS"),
    MONITOR("trainwatch monitor (1 stream thread, its default guarantee)"),
    MONITOR_PER_CORE(
        "trainwatch monitor, one stream thread per core ("
            + Runtime.getRuntime().availableProcessors()
            + ")");

    private final String label;

    Rung(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * The outcome.
   *
   * @param rates events per second of each rung that ran, over repetitions
   * @param cpuMicrosPerEvent CPU microseconds per event of each rung's reading threads (the
   *     consumer's caller, the stream threads), over repetitions; empty when not measured
   * @param monitorToRaw monitor ÷ raw rate, computed per repetition
   * @param monitorToFloor monitor ÷ the minimal EOS app with decode (the engine's floor), computed
   *     per repetition, or {@code null} when either did not run
   * @param monitorStartupMs the monitor's time from start to its first record
   * @param profile where the monitor's stream thread spent its time, or {@code null} when not
   *     profiled
   * @param state per-run state sizes from the changelogs of the last monitor repetition
   * @param alerts what the monitor found
   * @param cores the cores each rung's reading threads, the whole JVM and other processes used
   *     while it read, over repetitions (absent when not measured)
   */
  public record Result(
      int runs,
      int faultyRuns,
      int partitions,
      EventLoader.LoadResult load,
      Map<Rung, Summary> rates,
      Map<Rung, Summary> cpuMicrosPerEvent,
      Summary monitorToRaw,
      Summary monitorToFloor,
      Summary monitorStartupMs,
      JfrProfiler.Profile profile,
      List<ChangelogSizes.StoreSize> state,
      AlertTally alerts,
      Map<Rung, Cores> cores) {}

  /**
   * Cores used while a rung read (CPU time ÷ elapsed time), over repetitions: by its reading
   * threads (the stream threads), by this whole JVM (with the in-process broker and the clients'
   * I/O threads), and by other processes on the machine. On a machine of {@code n} cores they say
   * whether more stream threads could have had a core: reader + the rest of the JVM + others
   * reaching {@code n} means they could not.
   */
  public record Cores(Summary reader, Summary jvm, Summary others) {}

  /** What the monitor's stream thread is made of, for the profile. */
  static final List<JfrProfiler.Category> MONITOR_CATEGORIES =
      List.of(
          new JfrProfiler.Category(
              "decode events (EventCodec.read)", "io.trainwatch.schemas.EventCodec.read"),
          new JfrProfiler.Category(
              "… of which JSON doubles (Jackson NumberInput.parseDouble)",
              "com.fasterxml.jackson.core.io.NumberInput.parseDouble"),
          new JfrProfiler.Category(
              "… of which duplicate-field checks (Jackson DupDetector)",
              "com.fasterxml.jackson.core.json.DupDetector"),
          new JfrProfiler.Category(
              "evaluate rules (RunEvaluator)", "io.trainwatch.monitor.alerting.RunEvaluator"),
          new JfrProfiler.Category(
              "run-state encode/decode (RunStateCodec)", "io.trainwatch.monitor.run.RunStateCodec"),
          new JfrProfiler.Category(
              "run trace for the runs API (TraceProcessor)",
              "io.trainwatch.monitor.streams.TraceProcessor"),
          new JfrProfiler.Category(
              "… of which its encode/decode (RunTraceCodec)",
              "io.trainwatch.monitor.run.RunTraceCodec"),
          new JfrProfiler.Category(
              "state stores (get/put, caching, changelog)", "org.apache.kafka.streams.state"),
          new JfrProfiler.Category(
              "… of which the record cache (ThreadCache)",
              "org.apache.kafka.streams.state.internals.ThreadCache"),
          new JfrProfiler.Category("RocksDB (JNI)", "org.rocksdb"),
          new JfrProfiler.Category(
              "producer send (changelogs, alerts)",
              "org.apache.kafka.clients.producer.KafkaProducer"),
          new JfrProfiler.Category(
              "consumer poll (fetch, decompress)", "org.apache.kafka.clients.consumer"),
          new JfrProfiler.Category(
              "commit (flush caches, transaction)",
              "org.apache.kafka.streams.processor.internals.TaskManager.commit"),
          new JfrProfiler.Category(
              "encode alerts (AlertCodec)", "io.trainwatch.schemas.AlertCodec"),
          new JfrProfiler.Category(
              "client metrics (Sensor.record)", "org.apache.kafka.common.metrics.Sensor.record"));

  private static final Predicate<String> STREAM_THREAD = name -> name.contains("StreamThread");
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(15);

  /** Events each rung reads before the measured repetitions. */
  static final long WARM_UP_EVENTS = 100_000;

  private ThroughputSection() {}

  private static Throughput measure(
      Rung rung,
      String bootstrap,
      StreamsApp monitor,
      String applicationId,
      Map<TopicPartition, Long> end,
      Map<String, Object> overrides) {
    return switch (rung) {
      case RAW -> RawConsumer.readToEnd(bootstrap, end, RawConsumer.Work.NONE);
      case DECODE -> RawConsumer.readToEnd(bootstrap, end, RawConsumer.Work.DECODE);
      case STREAMS ->
          CatchUp.run(
              new ReferenceStreamsApp(Map.of(), false),
              bootstrap,
              applicationId,
              end,
              overrides,
              CATCH_UP_TIMEOUT,
              () -> {});
      case REFERENCE ->
          CatchUp.run(
              new ReferenceStreamsApp(),
              bootstrap,
              applicationId,
              end,
              overrides,
              CATCH_UP_TIMEOUT,
              () -> {});
      case MONITOR ->
          CatchUp.run(
              monitor, bootstrap, applicationId, end, overrides, CATCH_UP_TIMEOUT, () -> {});
      case MONITOR_PER_CORE -> {
        Map<String, Object> perCore = new java.util.HashMap<>(overrides);
        perCore.put(
            StreamsConfig.NUM_STREAM_THREADS_CONFIG, Runtime.getRuntime().availableProcessors());
        yield CatchUp.run(
            monitor, bootstrap, applicationId, end, perCore, CATCH_UP_TIMEOUT, () -> {});
      }
    };
  }

  /** The first {@code events} of a topic (at least one per non-empty partition), as end offsets. */
  static Map<TopicPartition, Long> prefix(Map<TopicPartition, Long> end, long events) {
    long total = end.values().stream().mapToLong(Long::longValue).sum();
    double share = total == 0 ? 0 : Math.min(1.0, (double) events / total);
    Map<TopicPartition, Long> prefix = new java.util.HashMap<>();
    end.forEach((tp, offset) -> prefix.put(tp, Math.min(offset, (long) Math.ceil(offset * share))));
    return prefix;
  }

  /**
   * The contract's topics, as the monitor would create them; created here so every rung finds them.
   */
  static void createTopics(EmbeddedKafkaBroker broker, int partitions) {
    broker.createTopic(Topics.EVENTS, partitions);
    broker.createTopic(Topics.ALERTS, partitions);
    broker.createTopic(Topics.EVENTS_DLQ, 1);
  }

  /**
   * Runs the ladder on a broker of its own.
   *
   * @param rungs which rungs to run (the raw consumer always runs: it is the denominator)
   * @param profile whether to add one JFR-profiled monitor pass (not counted in the rates)
   */
  public static Result run(
      StreamsApp monitor,
      int partitions,
      FleetSpec spec,
      long batches,
      int repetitions,
      List<Rung> rungs,
      boolean profile) {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      createTopics(broker, partitions);
      return runOn(
          broker.bootstrapServers(),
          monitor,
          partitions,
          spec,
          batches,
          repetitions,
          rungs,
          profile);
    }
  }

  /** As {@link #run}, on a broker whose contract topics exist and are empty. */
  static Result runOn(
      String bootstrap,
      StreamsApp monitor,
      int partitions,
      FleetSpec spec,
      long batches,
      int repetitions,
      List<Rung> rungs,
      boolean profile) {
    Fleet fleet = new Fleet(spec);
    LOG.info("pre-loading {} events of {} runs", fleet.eventCount(batches), spec.runs());
    EventLoader.LoadResult load =
        EventLoader.load(
            bootstrap, Topics.EVENTS, fleet.events(batches, System.currentTimeMillis(), 100));
    Map<TopicPartition, Long> end;
    try (TopicProbe probe = new TopicProbe(bootstrap)) {
      end = probe.endOffsets(probe.partitions(Topics.EVENTS));
    }
    Map<String, Object> overrides = Map.of(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    // Warm-up, not counted: every rung reads the first events once, so the JIT has compiled the hot
    // paths before
    // the first measured repetition.
    Map<TopicPartition, Long> warmUpEnd = prefix(end, WARM_UP_EVENTS);
    for (Rung rung : rungs) {
      measure(rung, bootstrap, monitor, CatchUp.newApplicationId(), warmUpEnd, overrides);
    }
    Map<Rung, List<Double>> rates = new EnumMap<>(Rung.class);
    Map<Rung, List<Double>> cpu = new EnumMap<>(Rung.class);
    Map<Rung, List<double[]>> cores = new EnumMap<>(Rung.class);
    String lastMonitorId = null;
    List<Double> ratios = new ArrayList<>();
    List<Double> toFloor = new ArrayList<>();
    List<Double> startups = new ArrayList<>();
    // Every measured rung of every repetition is one step: [i/N], elapsed and about how long is
    // left.
    Progress progress = Progress.start(Math.max(1, repetitions * rungs.size()));
    for (int rep = 0; rep < repetitions; rep++) {
      Map<Rung, Double> thisRep = new EnumMap<>(Rung.class);
      for (Rung rung : rungs) {
        String applicationId = CatchUp.newApplicationId();
        Throughput t = measure(rung, bootstrap, monitor, applicationId, end, overrides);
        thisRep.put(rung, t.recordsPerSecond());
        rates.computeIfAbsent(rung, r -> new ArrayList<>()).add(t.recordsPerSecond());
        if (!Double.isNaN(t.cpuMicrosPerRecord())) {
          cpu.computeIfAbsent(rung, r -> new ArrayList<>()).add(t.cpuMicrosPerRecord());
        }
        if (!Double.isNaN(t.readerCores()) && !Double.isNaN(t.jvmCores())) {
          cores
              .computeIfAbsent(rung, r -> new ArrayList<>())
              .add(new double[] {t.readerCores(), t.jvmCores(), t.otherCores()});
        }
        if (rung == Rung.MONITOR) {
          startups.add(t.startupMs());
          lastMonitorId = applicationId;
        }
        LOG.info(
            "{} repetition {}/{}: {}: {} events/s, {} µs of CPU per event; cores used: reading"
                + " threads {}, this JVM {}, other processes {}",
            progress.step(),
            rep + 1,
            repetitions,
            rung.label(),
            Markdown.count(t.recordsPerSecond()),
            String.format(Locale.ROOT, "%.2f", t.cpuMicrosPerRecord()),
            String.format(Locale.ROOT, "%.2f", t.readerCores()),
            String.format(Locale.ROOT, "%.2f", t.jvmCores()),
            String.format(Locale.ROOT, "%.2f", t.otherCores()));
      }
      if (thisRep.containsKey(Rung.MONITOR) && thisRep.containsKey(Rung.RAW)) {
        ratios.add(thisRep.get(Rung.MONITOR) / thisRep.get(Rung.RAW));
      }
      if (thisRep.containsKey(Rung.MONITOR) && thisRep.containsKey(Rung.REFERENCE)) {
        toFloor.add(thisRep.get(Rung.MONITOR) / thisRep.get(Rung.REFERENCE));
      }
    }
    JfrProfiler.Profile monitorProfile = null;
    if (profile && rungs.contains(Rung.MONITOR)) {
      // One more monitor pass, outside the figures, under the profiler.
      try (JfrProfiler profiler = JfrProfiler.start()) {
        CatchUp.run(monitor, bootstrap, end, overrides, CATCH_UP_TIMEOUT);
        monitorProfile = profiler.stop(STREAM_THREAD, MONITOR_CATEGORIES, 15);
      }
    }
    Map<Rung, Summary> summaries = new EnumMap<>(Rung.class);
    rates.forEach((r, v) -> summaries.put(r, Summary.of(v)));
    Map<Rung, Summary> cpuSummaries = new EnumMap<>(Rung.class);
    cpu.forEach((r, v) -> cpuSummaries.put(r, Summary.of(v)));
    Map<Rung, Cores> coreSummaries = new EnumMap<>(Rung.class);
    cores.forEach(
        (r, v) ->
            coreSummaries.put(
                r,
                new Cores(
                    Summary.of(v.stream().map(c -> c[0]).toList()),
                    Summary.of(v.stream().map(c -> c[1]).toList()),
                    Summary.of(v.stream().map(c -> c[2]).toList()))));
    List<ChangelogSizes.StoreSize> state =
        lastMonitorId == null
            ? List.of()
            : ChangelogSizes.measure(bootstrap, lastMonitorId, k -> true);
    AlertTally alerts = rungs.contains(Rung.MONITOR) ? AlertTally.read(bootstrap, fleet) : null;
    return new Result(
        spec.runs(),
        fleet.faultyRuns(),
        partitions,
        load,
        summaries,
        cpuSummaries,
        ratios.isEmpty() ? null : Summary.of(ratios),
        toFloor.isEmpty() ? null : Summary.of(toFloor),
        startups.isEmpty() ? null : Summary.of(startups),
        monitorProfile,
        state,
        alerts,
        coreSummaries);
  }
}
