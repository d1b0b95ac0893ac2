package io.trainwatch.monitor;

import io.trainwatch.monitor.alerting.HintCatalog;
import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.config.GroupConfig;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.streams.CrashSafeRocksDb;
import io.trainwatch.monitor.streams.DeadLetterProcessingExceptionHandler;
import io.trainwatch.monitor.streams.MonitorTopology;
import io.trainwatch.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running monitor: creates its topics if missing, starts the Kafka Streams application and waits
 * until it is running. Close it to stop (cleanly: state is flushed and the transaction committed).
 *
 * <pre>{@code
 * try (Monitor monitor = Monitor.start(MonitorOptions.of("localhost:9092"))) {
 *   ... // alerts appear on trainwatch.alerts
 * }
 * }</pre>
 */
public final class Monitor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** How often a start that outlasts its timeout because of a restore says how far it got. */
  static final Duration RESTORE_REPORT = Duration.ofSeconds(10);

  private final KafkaStreams streams;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private Monitor(KafkaStreams streams) {
    this.streams = streams;
  }

  /**
   * Starts a monitor and waits until it processes events.
   *
   * @throws IllegalStateException if the topics cannot be created or the application does not start
   *     in time
   */
  public static Monitor start(MonitorOptions options) {
    return start(options, MonitorHooks.NONE);
  }

  /**
   * Starts a monitor with what its process adds (metrics, an HTTP endpoint for interactive queries)
   * and waits until it processes events.
   *
   * <p>The startup timeout bounds the wait for the group and the first assignment. Restoring a
   * large state from the changelogs (a restart after a crash: under exactly-once, Kafka Streams
   * rebuilds a SIGKILLed instance's stores from scratch) may take longer: while a restore is under
   * way the wait goes on, with a line every {@link #RESTORE_REPORT} saying how far it got, instead
   * of giving up on an instance that is doing its work.
   *
   * @throws IllegalStateException if the topics cannot be created or the application does not start
   *     in time
   */
  public static Monitor start(MonitorOptions options, MonitorHooks hooks) {
    createTopics(options);
    Properties props = streamsProperties(options);
    if (hooks.applicationServer() != null) {
      props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, hooks.applicationServer());
    }
    // An object, not a string: the exception handler Kafka Streams creates counts its dead letters.
    props.put(DeadLetterProcessingExceptionHandler.METRICS_CONFIG, hooks.metrics());
    KafkaStreams streams =
        new KafkaStreams(
            MonitorTopology.build(
                options.config(), RunEvaluator.standard(), HintCatalog.standard(), hooks.metrics()),
            props);
    hooks.onCreated().accept(streams);
    Monitor monitor = new Monitor(streams);
    CountDownLatch running = new CountDownLatch(1);
    streams.setStateListener(
        (now, before) -> {
          LOG.info("Monitor {} -> {}", before, now);
          if (now == KafkaStreams.State.RUNNING) {
            running.countDown();
          } else if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
            monitor.stopped.countDown();
            running.countDown();
          }
        });
    RestoreProgress restore = new RestoreProgress();
    streams.setGlobalStateRestoreListener(restore);
    // A thread that dies of an unexpected error is replaced: the monitor keeps watching every other
    // run.
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("Stream thread failed; replacing it", e);
          return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.start();
    try {
      boolean started = running.await(options.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
      // Past the timeout, an instance restoring its state is not stuck: let it finish.
      while (!started && restore.started() && streams.state() == KafkaStreams.State.REBALANCING) {
        LOG.info(
            "Monitor still restoring state from the changelogs: {}; waiting until it is done",
            restore.describe());
        started = running.await(RESTORE_REPORT.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (!started || streams.state() != KafkaStreams.State.RUNNING) {
        KafkaStreams.State state = streams.state();
        closeStreams(streams);
        throw new IllegalStateException(
            "monitor did not start within "
                + options.startupTimeout().toSeconds()
                + " s (state "
                + state
                + "); is Kafka reachable at "
                + options.bootstrapServers()
                + "?");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeStreams(streams);
      throw new IllegalStateException("interrupted while starting the monitor", e);
    }
    LOG.info(
        "Monitor running: application id {}, reading {}, alerts to {}",
        options.applicationId(),
        options.config().eventsTopic(),
        options.config().alertsTopic());
    return monitor;
  }

  /** The Kafka Streams state. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /**
   * Waits until the application stops by itself (all threads failed) or is closed.
   *
   * @return {@code true} if it stopped within the timeout, {@code false} otherwise
   */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closeStreams(streams);
    stopped.countDown();
  }

  /**
   * Closes and leaves the consumer group at once (a static member too), so that the partitions move
   * to another instance now rather than after the session timeout; with standby replicas that is a
   * switch, and a restarted instance gets its tasks back after it rejoins.
   */
  private static void closeStreams(KafkaStreams streams) {
    streams.close(
        CloseOptions.timeout(CLOSE_TIMEOUT)
            .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
  }

  /** The Kafka Streams configuration a monitor runs with (also used by topology tests). */
  public static Properties streamsProperties(MonitorOptions o) {
    MonitorConfig c = o.config();
    Properties p = new Properties();
    startupDefaults(p);
    // Client settings next (they may change the defaults above), so that nothing below can be
    // overridden by accident.
    p.putAll(o.clientProperties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, o.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers());
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir(o).toString());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, c.processingGuarantee().wire());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.streamThreads());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) c.replicationFactor());
    // Every task of this topology reads a single partition (each sub-topology has one source
    // topic), so waiting for its other input partitions never applies. With the default (0) Kafka
    // Streams still checks, at every pass of its loop, each task whose partition has nothing
    // buffered (the job, host and attempts tasks, most of the time), formatting log lines with
    // String.format whatever the log level: 3-4% of the stream thread in the throughput bench.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    // Changelog and repartition topics get the same min.insync.replicas as the monitor's own.
    c.topicConfigs().forEach((k, v) -> p.put(StreamsConfig.topicPrefix(k), v));
    group(c.group(), stateDir(o), o.applicationId(), p);
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterProcessingExceptionHandler.class.getName());
    p.put(DeadLetterProcessingExceptionHandler.DLQ_TOPIC_CONFIG, c.dlqTopic());
    // Keys and values are read as bytes and decoded by the topology, so this cannot trigger; it is
    // a safety net.
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class.getName());
    return p;
  }

  /**
   * Defaults that make a restart fast; a {@code --command-config} setting of the same key wins.
   * docs/reliability.md (section 10) has the measurements.
   *
   * <ul>
   *   <li>Transactional state stores (KIP-892): each store keeps its committed changelog offset
   *       with its data, so after a crash (SIGKILL, OOM kill) a restarted instance replays the tail
   *       of the changelogs instead of wiping every store and replaying all of them (exactly-once
   *       without them must: a store may hold writes of an aborted transaction). Memtables small
   *       enough to be flushed while the instance runs ({@link CrashSafeRocksDb}) keep that tail
   *       short.
   *   <li>No JMX reporter and no client-metrics push: Kafka's {@code JmxReporter} re-registers an
   *       MBean at every metric added or removed, and the telemetry reporter renames each one with
   *       regular expressions; a start opens every store twice (once to read its offsets, once for
   *       its task), each with dozens of metrics, and those two took about half of the Java CPU of
   *       a restart. The monitor serves the same metrics on its HTTP port ({@code /metrics}).
   * </ul>
   */
  private static void startupDefaults(Properties p) {
    p.put(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true);
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, CrashSafeRocksDb.class.getName());
    p.put(StreamsConfig.METRIC_REPORTER_CLASSES_CONFIG, "");
    p.put(StreamsConfig.ENABLE_METRICS_PUSH_CONFIG, false);
  }

  /**
   * Takeover settings: a static member rejoins at once after a restart on the same state; the
   * session timeout bounds how long a dead instance's tasks wait; standby replicas make the
   * survivor's takeover a switch rather than a restore from the changelog.
   */
  private static void group(GroupConfig g, Path stateDir, String applicationId, Properties p) {
    InstanceIdentity.resolve(g.instanceId(), stateDir, applicationId)
        .ifPresentOrElse(
            id -> p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id),
            () -> {
              p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
              p.remove(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
            });
    p.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
        (int) g.sessionTimeout().toMillis());
    p.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
        (int) g.heartbeatInterval().toMillis());
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, g.standbyReplicas());
  }

  private static Path stateDir(MonitorOptions o) {
    return o.stateDir() != null
        ? o.stateDir()
        : Path.of(System.getProperty("java.io.tmpdir"), "trainwatch-monitor");
  }

  private static void createTopics(MonitorOptions o) {
    MonitorConfig c = o.config();
    Properties p = new Properties();
    // A short-lived client: no JMX MBeans and no metrics push (both cost CPU at start).
    p.put(AdminClientConfig.METRIC_REPORTER_CLASSES_CONFIG, "");
    p.put(AdminClientConfig.ENABLE_METRICS_PUSH_CONFIG, false);
    p.putAll(o.clientProperties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
    List<NewTopic> topics =
        List.of(
            topic(c.eventsTopic(), c.eventsPartitions(), c, Map.of()),
            topic(c.alertsTopic(), c.alertsPartitions(), c, Map.of()),
            // The alerts that fire now, by alert id: compacted, resolved ones are tombstones.
            topic(
                Topics.activeAlerts(c.alertsTopic()),
                c.alertsPartitions(),
                c,
                Map.of("cleanup.policy", "compact")),
            topic(c.dlqTopic(), c.dlqPartitions(), c, Map.of()),
            topic(c.actions().controlTopic(), c.actions().controlPartitions(), c, Map.of()),
            // The crash-loop guard's re-keying topic: as many partitions as the events.
            topic(c.actions().attemptsTopic(), c.eventsPartitions(), c, Map.of()),
            // The monitor's own repartition topics (ranks re-keyed by job, faults by host), as
            // many partitions as the events: a day of retention is plenty, the state stores
            // hold what matters.
            topic(
                c.jobs().jobSignalsTopic(),
                c.eventsPartitions(),
                c,
                Map.of("retention.ms", "86400000")),
            topic(
                c.jobs().hostSignalsTopic(),
                c.eventsPartitions(),
                c,
                Map.of("retention.ms", "86400000")));
    List<String> created = new ArrayList<>();
    try (Admin admin = Admin.create(p)) {
      var result = admin.createTopics(topics);
      for (NewTopic t : topics) {
        try {
          result.values().get(t.name()).get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          created.add(t.name());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof TopicAuthorizationException
              || e.getCause() instanceof ClusterAuthorizationException) {
            // Least privilege: an operator may create the topics and not grant the monitor CREATE
            // on them.
            requireExisting(admin, t.name(), o);
          } else if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "cannot create topic "
                    + t.name()
                    + " on "
                    + o.bootstrapServers()
                    + ": "
                    + e.getCause().getMessage(),
                e.getCause());
          }
        }
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "cannot create topics on "
              + o.bootstrapServers()
              + ": no answer within "
              + ADMIN_TIMEOUT.toSeconds()
              + " s",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
    if (!created.isEmpty()) {
      LOG.info("Created topics {}", created);
    }
  }

  /**
   * A topic as the monitor creates it: the configured replication factor and {@code
   * min.insync.replicas} (if set), plus the topic's own settings.
   */
  private static NewTopic topic(
      String name, int partitions, MonitorConfig c, Map<String, String> own) {
    Map<String, String> configs = new HashMap<>(c.topicConfigs());
    configs.putAll(own);
    return new NewTopic(name, partitions, c.replicationFactor()).configs(configs);
  }

  /** A topic the monitor may not create must exist already. */
  private static void requireExisting(Admin admin, String topic, MonitorOptions o)
      throws InterruptedException, TimeoutException {
    try {
      admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      String why =
          e.getCause() instanceof UnknownTopicOrPartitionException
              ? "it does not exist and this principal may not create it (create it, or grant CREATE)"
              : e.getCause().getMessage();
      throw new IllegalStateException(
          "cannot use topic " + topic + " on " + o.bootstrapServers() + ": " + why, e.getCause());
    }
  }
}
