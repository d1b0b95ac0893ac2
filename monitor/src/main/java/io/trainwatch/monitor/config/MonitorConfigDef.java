package io.trainwatch.monitor.config;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.schemas.Topics;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * The monitor's application keys ({@code monitor.*}): type, default, range and meaning of each, as
 * a Kafka {@link ConfigDef}. Rule keys ({@code rules.*}, {@code jobs.*}) are data of the rules
 * ({@link io.trainwatch.monitor.rules.RuleSpec}), not listed here. docs/configuration.md documents
 * every key; ConfigurationDocTest keeps the two in step.
 */
public final class MonitorConfigDef {

  public static final String EVENTS_TOPIC = "monitor.topics.events";
  public static final String ALERTS_TOPIC = "monitor.topics.alerts";
  public static final String DLQ_TOPIC = "monitor.topics.dlq";
  public static final String EVENTS_PARTITIONS = "monitor.topics.events_partitions";
  public static final String ALERTS_PARTITIONS = "monitor.topics.alerts_partitions";
  public static final String DLQ_PARTITIONS = "monitor.topics.dlq_partitions";
  public static final String REPLICATION_FACTOR = "monitor.topics.replication_factor";
  public static final String MIN_INSYNC_REPLICAS = "monitor.topics.min_insync_replicas";
  public static final String PROCESSING_GUARANTEE = "monitor.processing_guarantee";
  public static final String STREAM_THREADS = "monitor.stream_threads";
  public static final String STATE_STORE = "monitor.state_store";
  public static final String WALL_CLOCK_INTERVAL = "monitor.wall_clock_interval_seconds";
  public static final String MAX_RUNS = "monitor.runs.max";
  public static final String ENDED_RETENTION = "monitor.runs.ended_retention_seconds";
  public static final String IDLE_RETENTION = "monitor.runs.idle_retention_seconds";
  public static final String MAX_RECORD_BYTES = "monitor.events.max_record_bytes";
  public static final String JOB_GROUP_WAIT = "monitor.jobs.group_wait_seconds";
  public static final String JOB_IDLE_RETENTION = "monitor.jobs.idle_retention_seconds";
  public static final String INSTANCE_ID = "monitor.group.instance_id";
  public static final String SESSION_TIMEOUT = "monitor.group.session_timeout_seconds";
  public static final String STANDBY_REPLICAS = "monitor.standby_replicas";

  private static final int YEAR_SECONDS = 86_400 * 365;

  /** Every {@code monitor.*} key. */
  public static final ConfigDef DEF =
      new ConfigDef()
          .define(
              EVENTS_TOPIC,
              STRING,
              Topics.EVENTS,
              ConfigDefs.topicName(),
              HIGH,
              "The topic trainers publish events to, which the monitor reads.")
          .define(
              ALERTS_TOPIC,
              STRING,
              Topics.ALERTS,
              ConfigDefs.topicName(),
              HIGH,
              "The topic the monitor writes alerts to.")
          .define(
              DLQ_TOPIC,
              STRING,
              Topics.EVENTS_DLQ,
              ConfigDefs.topicName(),
              HIGH,
              "The dead-letter topic of events the monitor could not read.")
          .define(
              EVENTS_PARTITIONS,
              INT,
              6,
              Range.between(1, 10_000),
              MEDIUM,
              "Partitions of the events topic when the monitor creates it (an existing topic is"
                  + " left as it is).")
          .define(
              ALERTS_PARTITIONS,
              INT,
              6,
              Range.between(1, 10_000),
              MEDIUM,
              "Partitions of the alerts topic when the monitor creates it.")
          .define(
              DLQ_PARTITIONS,
              INT,
              1,
              Range.between(1, 10_000),
              LOW,
              "Partitions of the dead-letter topic when the monitor creates it.")
          .define(
              REPLICATION_FACTOR,
              INT,
              1,
              Range.between(1, 32),
              HIGH,
              "Replication factor of the topics the monitor creates, including its internal"
                  + " changelog topics.")
          .define(
              MIN_INSYNC_REPLICAS,
              INT,
              null,
              ConfigDefs.optional(Range.between(1, 32)),
              HIGH,
              "min.insync.replicas of the topics the monitor creates, including its internal"
                  + " topics: replicas that must hold a write before it is acknowledged (acks=all)."
                  + " Unset: the broker's default. At most the replication factor.")
          .define(
              PROCESSING_GUARANTEE,
              STRING,
              MonitorConfig.ProcessingGuarantee.EXACTLY_ONCE_V2.wire(),
              ValidString.in(
                  MonitorConfig.ProcessingGuarantee.EXACTLY_ONCE_V2.wire(),
                  MonitorConfig.ProcessingGuarantee.AT_LEAST_ONCE.wire()),
              MEDIUM,
              "Kafka Streams processing guarantee.")
          .define(
              STREAM_THREADS,
              INT,
              1,
              Range.between(1, 64),
              MEDIUM,
              "Kafka Streams threads in this instance.")
          .define(
              STATE_STORE,
              STRING,
              MonitorConfig.StateStoreType.PERSISTENT.wire(),
              ValidString.in(
                  MonitorConfig.StateStoreType.PERSISTENT.wire(),
                  MonitorConfig.StateStoreType.IN_MEMORY.wire()),
              MEDIUM,
              "Where per-run state lives locally: RocksDB on disk or in memory (both backed by a"
                  + " changelog).")
          .define(
              WALL_CLOCK_INTERVAL,
              INT,
              10,
              Range.between(1, 3600),
              LOW,
              "How often (wall-clock seconds) the monitor looks for stalled runs and evicts old"
                  + " ones.")
          .define(
              MAX_RUNS,
              INT,
              100_000,
              Range.between(1, 100_000_000),
              MEDIUM,
              "Most runs one monitor instance tracks at once; events of further new runs are"
                  + " dead-lettered.")
          .define(
              ENDED_RETENTION,
              INT,
              3600,
              Range.between(0, YEAR_SECONDS),
              LOW,
              "How long an ended run's state is kept after run_ended, in seconds.")
          .define(
              IDLE_RETENTION,
              INT,
              86_400,
              Range.between(60, YEAR_SECONDS),
              LOW,
              "How long a run that sends no events at all is kept before it is forgotten (its open"
                  + " alerts are resolved), in seconds.")
          .define(
              MAX_RECORD_BYTES,
              INT,
              1_048_576,
              Range.between(1_024, 64 * 1_048_576),
              MEDIUM,
              "Largest events record value the monitor reads, in bytes (a real event is about 1"
                  + " KB). Larger records go to the dead-letter topic unread, with a truncated copy"
                  + " of the value.")
          .define(
              JOB_GROUP_WAIT,
              INT,
              5,
              Range.between(0, 3600),
              MEDIUM,
              "How long the alerts of one rule on the ranks of one job are collected into one"
                  + " job-level alert (<job>/<rule>, listing the ranks) before it is published, in"
                  + " seconds; 0 = at once.")
          .define(
              JOB_IDLE_RETENTION,
              INT,
              86_400,
              Range.between(60, YEAR_SECONDS),
              LOW,
              "How long a job without any event is kept before it is forgotten (its open job-level"
                  + " alerts are resolved), in seconds.")
          .define(
              INSTANCE_ID,
              STRING,
              GroupConfig.AUTO,
              (name, value) -> {
                if (!(value instanceof String s) || !GroupConfig.ID.matcher(s).matches()) {
                  throw new ConfigException(
                      name, value, "must be auto, none, or letters, digits, '.', '_', '-'");
                }
              },
              MEDIUM,
              "This instance's group.instance.id (static membership): auto (an id kept in the state"
                  + " directory, so a restart on the same state rejoins at once), none (a new"
                  + " member at every start), or the id itself.")
          .define(
              SESSION_TIMEOUT,
              INT,
              10,
              Range.between(6, 1800),
              MEDIUM,
              "How long the group waits for a silent instance (killed, hung, cut off) before its"
                  + " work moves to the other instances, in seconds.")
          .define(
              STANDBY_REPLICAS,
              INT,
              1,
              Range.between(0, 8),
              MEDIUM,
              "Warm copies of each task's state kept on other instances, ready to take over when"
                  + " one dies (no effect with a single instance).");

  private MonitorConfigDef() {}
}
