package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.alerting.AlertFactory;
import io.trainwatch.monitor.alerting.HintCatalog;
import io.trainwatch.monitor.alerting.JobAlertFactory;
import io.trainwatch.monitor.alerting.JobEvaluator;
import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.run.RunInfo;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.Topics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The monitor's topology, and nothing else: it only wires.
 *
 * <pre>
 *   trainwatch.events ──► events-source ──► decode-events ──► evaluate-runs ──► alerts-sink ──► trainwatch.alerts
 *      (byte[], byte[])                         │              [run-state, run-info]
 *                                               │                   │ (out of its run's history, over the run cap)
 *                                               │                   ├──► trace-runs [run-trace] (runs API)
 *                                               └──► dead-letter-sink ◄┘ ──► trainwatch.events.dlq
 *                                                            [run-checkpoints]
 *                                                    evaluate-runs ──► control-sink ──► trainwatch.control
 *                                                    evaluate-runs ──► job-signals-sink (ranks of distributed jobs:
 *                                                                   │   their reports and their own alerts)
 *                                                                   ▼
 *   trainwatch.monitor.job-signals (key job) ──► evaluate-jobs ──► job-alerts-sink ──► trainwatch.alerts
 *                                     [job-state, job-ranks, job-steps]
 *                                                  │ (faults that implicate a host)
 *                                                  ▼
 *   trainwatch.monitor.host-signals (key host) ──► evaluate-hosts ──► host-alerts-sink ──► trainwatch.alerts
 *                                                     [host-state]
 * </pre>
 *
 * <p>Commands go out from the same processor, hence in the same transaction, as the alerts that
 * cause them.
 */
public final class MonitorTopology {

  public static final String SOURCE = "events-source";
  public static final String DECODE = "decode-events";
  public static final String DLQ_SINK = "dead-letter-sink";
  public static final String EVALUATE = "evaluate-runs";
  public static final String ALERTS_SINK = "alerts-sink";
  public static final String CONTROL_SINK = "control-sink";

  public static final String ATTEMPTS_SINK = "attempts-sink";
  public static final String ATTEMPTS_SOURCE = "attempts-source";
  public static final String CRASH_LOOPS = "guard-crash-loops";
  public static final String CRASH_LOOP_ALERTS_SINK = "crash-loop-alerts-sink";
  public static final String CRASH_LOOP_CONTROL_SINK = "crash-loop-control-sink";

  /**
   * Each job's attempts, for the crash-loop guard: {@link
   * io.trainwatch.monitor.actions.JobAttempts}.
   */
  public static final String JOB_ATTEMPTS_STORE = "job-attempts";

  /** Each run's recent checkpoints: {@link io.trainwatch.monitor.actions.CheckpointHistory}. */
  public static final String RUN_CHECKPOINTS_STORE = "run-checkpoints";

  public static final String TRACE = "trace-runs";

  public static final String JOB_SIGNALS_SINK = "job-signals-sink";
  public static final String JOB_SIGNALS_SOURCE = "job-signals-source";
  public static final String EVALUATE_JOBS = "evaluate-jobs";
  public static final String JOB_ALERTS_SINK = "job-alerts-sink";

  /** Commands of the job rules' alerts' policies (on the control topic). */
  public static final String JOB_CONTROL_SINK = "job-control-sink";

  public static final String HOST_SIGNALS_SINK = "host-signals-sink";
  public static final String HOST_SIGNALS_SOURCE = "host-signals-source";
  public static final String EVALUATE_HOSTS = "evaluate-hosts";
  public static final String HOST_ALERTS_SINK = "host-alerts-sink";

  /** Commands of the suspect_node alerts' policies (on the control topic). */
  public static final String HOST_CONTROL_SINK = "host-control-sink";

  /** Who a run is in its distributed job (only ranks of jobs of 2 or more). */
  public static final String RUN_RANK_STORE = "run-rank";

  /** Per-job summary: progress, step times, hang alert, alert groups. */
  public static final String JOB_STATE_STORE = "job-state";

  /** Per-rank state, keyed {@code <job>\0<rank>}. */
  public static final String JOB_RANKS_STORE = "job-ranks";

  /** Per-step reports of the recent steps, keyed {@code <job>\0<step>}. */
  public static final String JOB_STEPS_STORE = "job-steps";

  /** Per-host recent faults and the suspect_node alert. */
  public static final String HOST_STATE_STORE = "host-state";

  /** Per-run state read and written on every event: {@link RunState}. */
  public static final String RUN_STATE_STORE = "run-state";

  /**
   * Per-run picture for people (downsampled history, alert markers, open alerts), read by the runs
   * API: {@link io.trainwatch.monitor.run.RunTrace}.
   */
  public static final String RUN_TRACE_STORE = "run-trace";

  /** Per-run information only alerts need (labels): {@link RunInfo}. */
  public static final String RUN_INFO_STORE = "run-info";

  /**
   * Run states and run ranks kept as objects per task ({@link ObjectCacheStore}): a run state takes
   * about 1 KiB of heap, so at most a few MiB per task; runs beyond it are decoded when read.
   */
  static final int RUN_OBJECTS_PER_TASK = 4_096;

  /** Jobs kept as objects per task: a job state takes well under 1 KiB of heap. */
  static final int JOB_OBJECTS_PER_TASK = 4_096;

  /** Ranks of jobs kept as objects per task: a rank state takes about 3 KiB of heap. */
  static final int RANK_OBJECTS_PER_TASK = 4_096;

  /**
   * Recent steps of jobs kept as objects per task (about 2 KiB of heap each): the steps being
   * reported now, a few per job.
   */
  static final int STEP_OBJECTS_PER_TASK = 4_096;

  /** Run traces kept as objects per task: a full trace takes a few KiB of heap. */
  static final int TRACE_OBJECTS_PER_TASK = 4_096;

  /**
   * Serialized writes per store and task held until the commit; more are written before it (like
   * the record cache's evictions, inside the same transaction).
   */
  static final long PENDING_BYTES = 2L << 20;

  /** The default topic names ({@code monitor.topics.*} may change them). */
  public static final String EVENTS_TOPIC = Topics.EVENTS;

  public static final String ALERTS_TOPIC = Topics.ALERTS;
  public static final String DLQ_TOPIC = Topics.EVENTS_DLQ;

  private MonitorTopology() {}

  /** The topology for a configuration, with the built-in rules and hint catalog. */
  public static Topology build(MonitorConfig config) {
    return build(config, RunEvaluator.standard(), HintCatalog.standard());
  }

  /** The topology with the given rules and hints. */
  public static Topology build(MonitorConfig config, RunEvaluator evaluator, HintCatalog hints) {
    return build(config, evaluator, hints, TopologyMetrics.NONE);
  }

  /** The topology with the given rules and hints, reporting to {@code metrics}. */
  public static Topology build(
      MonitorConfig config, RunEvaluator evaluator, HintCatalog hints, TopologyMetrics metrics) {
    AlertFactory alerts = new AlertFactory(hints);
    // One counter per topology, i.e. per KafkaStreams instance: the run cap holds across its tasks.
    RunCounter counter = new RunCounter(config.maxRuns());
    metrics.runsTracked(counter::current);
    ProcessorSupplier<String, ReadEvent, Object, Object> runs =
        () -> new RunProcessor(config, evaluator, alerts, counter, metrics);
    Topology t = new Topology();
    t.addSource(
        SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.eventsTopic());
    t.addProcessor(
        DECODE,
        () -> new DecodeProcessor(config.maxRecordBytes(), config.dlqTopic(), metrics),
        SOURCE);
    t.addProcessor(EVALUATE, runs, DECODE);
    t.addSink(
        DLQ_SINK,
        config.dlqTopic(),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        DECODE,
        EVALUATE);
    t.addStateStore(
        objectCached(
            config, RUN_STATE_STORE, StateSerdes.runState(), RUN_OBJECTS_PER_TASK, PENDING_BYTES),
        EVALUATE);
    t.addStateStore(
        Stores.keyValueStoreBuilder(
                store(config, RUN_INFO_STORE), Serdes.String(), StateSerdes.runInfo())
            .withCachingEnabled(),
        EVALUATE);
    t.addProcessor(TRACE, TraceProcessor::new, EVALUATE);
    t.addStateStore(
        objectCached(
            config, RUN_TRACE_STORE, StateSerdes.runTrace(), TRACE_OBJECTS_PER_TASK, PENDING_BYTES),
        TRACE);
    t.addStateStore(
        objectCached(
            config,
            RUN_RANK_STORE,
            StateSerdes.rankIdentity(),
            RUN_OBJECTS_PER_TASK,
            PENDING_BYTES),
        EVALUATE);
    addAlertSink(t, config, ALERTS_SINK, EVALUATE);
    // Closing the loop: checkpoints per run, and commands written in the alerts' transaction.
    t.addStateStore(
        Stores.keyValueStoreBuilder(
                store(config, RUN_CHECKPOINTS_STORE),
                Serdes.String(),
                ActionSerdes.checkpointHistory())
            .withCachingEnabled(),
        EVALUATE);
    t.addSink(
        CONTROL_SINK,
        config.actions().controlTopic(),
        new StringSerializer(),
        ActionSerdes.commandSerializer(),
        EVALUATE);
    // The crash-loop guard: runs' starts, faults and checkpoints re-keyed by job.
    t.addSink(
        ATTEMPTS_SINK,
        config.actions().attemptsTopic(),
        new StringSerializer(),
        ActionSerdes.attemptSignal().serializer(),
        EVALUATE);
    t.addSource(
        ATTEMPTS_SOURCE,
        new StringDeserializer(),
        ActionSerdes.attemptSignal().deserializer(),
        config.actions().attemptsTopic());
    t.addProcessor(
        CRASH_LOOPS, () -> new CrashLoopProcessor(config, hints, metrics), ATTEMPTS_SOURCE);
    t.addStateStore(
        Stores.keyValueStoreBuilder(
                store(config, JOB_ATTEMPTS_STORE), Serdes.String(), ActionSerdes.jobAttempts())
            .withCachingEnabled(),
        CRASH_LOOPS);
    addAlertSink(t, config, CRASH_LOOP_ALERTS_SINK, CRASH_LOOPS);
    t.addSink(
        CRASH_LOOP_CONTROL_SINK,
        config.actions().controlTopic(),
        new StringSerializer(),
        ActionSerdes.commandSerializer(),
        CRASH_LOOPS);

    t.addSink(
        JOB_SIGNALS_SINK,
        config.jobs().jobSignalsTopic(),
        new StringSerializer(),
        StateSerdes.jobSignal().serializer(),
        EVALUATE);

    // Job level: the ranks' reports, partitioned by job.
    JobAlertFactory jobAlerts = new JobAlertFactory(hints);
    t.addSource(
        JOB_SIGNALS_SOURCE,
        new StringDeserializer(),
        StateSerdes.jobSignal().deserializer(),
        config.jobs().jobSignalsTopic());
    t.addProcessor(
        EVALUATE_JOBS,
        () -> new JobProcessor(config, new JobEvaluator(), jobAlerts, metrics),
        JOB_SIGNALS_SOURCE);
    t.addStateStore(
        objectCached(
            config, JOB_STATE_STORE, StateSerdes.jobState(), JOB_OBJECTS_PER_TASK, PENDING_BYTES),
        EVALUATE_JOBS);
    t.addStateStore(
        objectCached(
            config, JOB_RANKS_STORE, StateSerdes.rankState(), RANK_OBJECTS_PER_TASK, PENDING_BYTES),
        EVALUATE_JOBS);
    t.addStateStore(
        objectCached(
            config, JOB_STEPS_STORE, StateSerdes.stepStats(), STEP_OBJECTS_PER_TASK, PENDING_BYTES),
        EVALUATE_JOBS);
    addAlertSink(t, config, JOB_ALERTS_SINK, EVALUATE_JOBS);
    t.addSink(
        JOB_CONTROL_SINK,
        config.actions().controlTopic(),
        new StringSerializer(),
        ActionSerdes.commandSerializer(),
        EVALUATE_JOBS);
    t.addSink(
        HOST_SIGNALS_SINK,
        config.jobs().hostSignalsTopic(),
        new StringSerializer(),
        StateSerdes.implication().serializer(),
        EVALUATE_JOBS);

    // Fleet level: faults of jobs, partitioned by the host they implicate.
    t.addSource(
        HOST_SIGNALS_SOURCE,
        new StringDeserializer(),
        StateSerdes.implication().deserializer(),
        config.jobs().hostSignalsTopic());
    t.addProcessor(
        EVALUATE_HOSTS, () -> new HostProcessor(config, jobAlerts, metrics), HOST_SIGNALS_SOURCE);
    t.addStateStore(
        Stores.keyValueStoreBuilder(
                store(config, HOST_STATE_STORE), Serdes.String(), StateSerdes.hostState())
            .withCachingEnabled(),
        EVALUATE_HOSTS);
    addAlertSink(t, config, HOST_ALERTS_SINK, EVALUATE_HOSTS);
    t.addSink(
        HOST_CONTROL_SINK,
        config.actions().controlTopic(),
        new StringSerializer(),
        ActionSerdes.commandSerializer(),
        EVALUATE_HOSTS);
    return t;
  }

  /**
   * Where a processor's alerts go: a node named {@code name} that writes each alert to the alerts
   * topic and, keyed by alert id, to the compacted active-alerts topic ({@link
   * Topics#activeAlerts}): the alert while it fires, a tombstone once it resolves. Both writes are
   * in the task's transaction, so the active topic never disagrees with the alerts a {@code
   * read_committed} reader sees; a bridge that starts late reads it to page what is open.
   */
  private static void addAlertSink(Topology t, MonitorConfig config, String name, String parent) {
    String toAlerts = name + "-alerts";
    String toActive = name + "-active";
    t.addProcessor(name, () -> new ActiveAlertFanOut(toAlerts, toActive), parent);
    t.addSink(
        toAlerts,
        config.alertsTopic(),
        new StringSerializer(),
        StateSerdes.alertSerializer(),
        name);
    t.addSink(
        toActive,
        Topics.activeAlerts(config.alertsTopic()),
        new StringSerializer(),
        StateSerdes.alertSerializer(),
        name);
  }

  /** Forwards an alert to the alerts topic, and its firing state to the active-alerts topic. */
  private static final class ActiveAlertFanOut
      extends ContextualProcessor<Object, Object, Object, Object> {
    private final String toAlerts;
    private final String toActive;

    ActiveAlertFanOut(String toAlerts, String toActive) {
      this.toAlerts = toAlerts;
      this.toActive = toActive;
    }

    @Override
    public void process(Record<Object, Object> record) {
      context().forward(record, toAlerts);
      boolean firing = record.value() instanceof Alert a && a.firing();
      context().forward(record.withValue(firing ? record.value() : null), toActive);
    }
  }

  /**
   * A store read and written on every event: objects cached in front of it instead of Kafka
   * Streams' byte-level record cache ({@link ObjectCacheStore}).
   */
  private static <V> StoreBuilder<ObjectCacheStore<V>> objectCached(
      MonitorConfig config, String name, Serde<V> serde, int maxObjects, long maxPendingBytes) {
    Serializer<V> serializer = serde.serializer();
    Deserializer<V> deserializer = serde.deserializer();
    return ObjectCacheStore.builder(
        store(config, name),
        v -> serializer.serialize(name, v),
        b -> deserializer.deserialize(name, b),
        maxObjects,
        maxPendingBytes);
  }

  private static KeyValueBytesStoreSupplier store(MonitorConfig config, String name) {
    return config.stateStore() == MonitorConfig.StateStoreType.IN_MEMORY
        ? Stores.inMemoryKeyValueStore(name)
        : Stores.persistentKeyValueStore(name);
  }
}
