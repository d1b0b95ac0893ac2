package io.trainwatch.monitor.config;

import io.trainwatch.monitor.rules.Param;
import io.trainwatch.monitor.rules.Rule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.RunSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The monitor's configuration: one properties file with {@code monitor.*} keys for the application
 * and {@code rules.<rule_id>.<key>} / {@code jobs.<job>.rules.<rule_id>.<key>} keys for the rules.
 * Every key has a built-in default; unknown keys and invalid values are refused at start-up with a
 * message naming the key. Every key is documented in docs/configuration.md.
 *
 * @param eventsPartitions partitions of {@code trainwatch.events} when the monitor creates it
 * @param alertsPartitions partitions of {@code trainwatch.alerts} when the monitor creates it
 * @param dlqPartitions partitions of {@code trainwatch.events.dlq} when the monitor creates it
 * @param replicationFactor replication factor of the topics it creates and of its internal topics
 * @param processingGuarantee {@code exactly_once_v2} or {@code at_least_once}
 * @param streamThreads Kafka Streams threads in this instance
 * @param stateStore where per-run state lives locally: RocksDB on disk or in memory (both backed by
 *     a changelog)
 * @param wallClockInterval how often stalled runs are looked for and old runs evicted
 * @param maxRuns most runs one instance tracks at once
 * @param endedRunRetention how long an ended run is remembered (late events, restarts with the same
 *     run id)
 * @param idleRunRetention how long a run without any event is remembered before it is forgotten
 * @param maxRecordBytes largest record value of {@code trainwatch.events} that is read; larger ones
 *     are dead-lettered
 * @param rules rule settings
 */
public record MonitorConfig(
    int eventsPartitions,
    int alertsPartitions,
    int dlqPartitions,
    short replicationFactor,
    ProcessingGuarantee processingGuarantee,
    int streamThreads,
    StateStoreType stateStore,
    Duration wallClockInterval,
    int maxRuns,
    Duration endedRunRetention,
    Duration idleRunRetention,
    int maxRecordBytes,
    RuleConfig rules) {

  /** Kafka Streams processing guarantees the monitor supports. */
  public enum ProcessingGuarantee {
    EXACTLY_ONCE_V2("exactly_once_v2"),
    AT_LEAST_ONCE("at_least_once");

    private final String wire;

    ProcessingGuarantee(String wire) {
      this.wire = wire;
    }

    /** The {@code processing.guarantee} value. */
    public String wire() {
      return wire;
    }
  }

  /** Local state store implementations. */
  public enum StateStoreType {
    PERSISTENT("persistent"),
    IN_MEMORY("in_memory");

    private final String wire;

    StateStoreType(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  public static final Param EVENTS_PARTITIONS =
      Param.integer(
          "monitor.topics.events_partitions",
          6,
          1,
          10_000,
          "Partitions of trainwatch.events when the monitor creates it (an existing topic is left as it is).");
  public static final Param ALERTS_PARTITIONS =
      Param.integer(
          "monitor.topics.alerts_partitions",
          6,
          1,
          10_000,
          "Partitions of trainwatch.alerts when the monitor creates it.");
  public static final Param DLQ_PARTITIONS =
      Param.integer(
          "monitor.topics.dlq_partitions",
          1,
          1,
          10_000,
          "Partitions of trainwatch.events.dlq when the monitor creates it.");
  public static final Param REPLICATION_FACTOR =
      Param.integer(
          "monitor.topics.replication_factor",
          1,
          1,
          32,
          "Replication factor of the topics the monitor creates, including its internal changelog topics.");
  public static final String PROCESSING_GUARANTEE = "monitor.processing_guarantee";
  public static final Param STREAM_THREADS =
      Param.integer("monitor.stream_threads", 1, 1, 64, "Kafka Streams threads in this instance.");
  public static final String STATE_STORE = "monitor.state_store";
  public static final Param WALL_CLOCK_INTERVAL =
      Param.integer(
          "monitor.wall_clock_interval_seconds",
          10,
          1,
          3600,
          "How often (wall-clock seconds) the monitor looks for stalled runs and evicts old ones.");
  public static final Param MAX_RUNS =
      Param.integer(
          "monitor.runs.max",
          100_000,
          1,
          100_000_000,
          "Most runs one monitor instance tracks at once; events of further new runs are dead-lettered.");
  public static final Param ENDED_RETENTION =
      Param.integer(
          "monitor.runs.ended_retention_seconds",
          3600,
          0,
          86_400L * 365,
          "How long an ended run's state is kept after run_ended.");
  public static final Param IDLE_RETENTION =
      Param.integer(
          "monitor.runs.idle_retention_seconds",
          86_400,
          60,
          86_400L * 365,
          "How long a run that sends no events at all is kept before it is forgotten (its open alerts "
              + "are resolved).");
  public static final Param MAX_RECORD_BYTES =
      Param.integer(
          "monitor.events.max_record_bytes",
          1_048_576,
          1_024,
          64L * 1_048_576,
          "Largest trainwatch.events record value the monitor reads, in bytes (a real event is about "
              + "1 KB). Larger records go to the dead-letter topic unread, with a truncated copy of the value.");

  /** Every numeric monitor.* key. */
  public static final List<Param> MONITOR_PARAMS =
      List.of(
          EVENTS_PARTITIONS,
          ALERTS_PARTITIONS,
          DLQ_PARTITIONS,
          REPLICATION_FACTOR,
          STREAM_THREADS,
          WALL_CLOCK_INTERVAL,
          MAX_RUNS,
          ENDED_RETENTION,
          IDLE_RETENTION,
          MAX_RECORD_BYTES);

  public MonitorConfig {
    if (processingGuarantee == null || stateStore == null || rules == null) {
      throw new IllegalArgumentException(
          "processing guarantee, state store and rules are required");
    }
  }

  /** Everything at its default. */
  public static MonitorConfig defaults() {
    return parse(new Properties());
  }

  /**
   * Reads a configuration file.
   *
   * @throws IllegalArgumentException if it cannot be read or holds an unknown key or invalid value
   */
  public static MonitorConfig load(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--config " + file + ": cannot read (" + e.getMessage() + ")");
    }
    return parse(p);
  }

  /**
   * Builds a configuration from properties (keys in sorted order, so the first error reported is
   * stable).
   *
   * @throws IllegalArgumentException naming the first unknown key or invalid value
   */
  public static MonitorConfig parse(Properties props) {
    Map<String, String> entries = new TreeMap<>();
    for (String key : props.stringPropertyNames()) {
      entries.put(key.trim(), props.getProperty(key).trim());
    }
    Map<String, Double> monitor = new LinkedHashMap<>();
    ProcessingGuarantee guarantee = ProcessingGuarantee.EXACTLY_ONCE_V2;
    StateStoreType store = StateStoreType.PERSISTENT;
    RunSettings base = RunSettings.defaults();
    Map<String, Map<String, String>> jobEntries = new TreeMap<>();
    for (Map.Entry<String, String> e : entries.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (key.equals(PROCESSING_GUARANTEE)) {
        guarantee = choice(key, value, ProcessingGuarantee.values(), ProcessingGuarantee::wire);
      } else if (key.equals(STATE_STORE)) {
        store = choice(key, value, StateStoreType.values(), StateStoreType::wire);
      } else if (key.startsWith("monitor.")) {
        Param p =
            MONITOR_PARAMS.stream()
                .filter(m -> m.key().equals(key))
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            key + ": unknown key (monitor keys: " + monitorKeys() + ")"));
        monitor.put(key, parseValue(key, p, value));
      } else if (key.startsWith("rules.")) {
        base = applyRuleKey(base, key, key.substring("rules.".length()), value);
      } else if (key.startsWith("jobs.")) {
        int at = key.lastIndexOf(".rules.", key.lastIndexOf('.', key.lastIndexOf('.') - 1));
        if (at <= "jobs".length()) {
          throw new IllegalArgumentException(key + ": expected jobs.<job>.rules.<rule_id>.<key>");
        }
        String job = key.substring("jobs.".length(), at);
        jobEntries.computeIfAbsent(job, j -> new TreeMap<>()).put(key, value);
      } else {
        throw new IllegalArgumentException(
            key + ": unknown key (keys start with monitor., rules. or jobs.)");
      }
    }
    Map<String, RunSettings> byJob = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, String>> job : jobEntries.entrySet()) {
      RunSettings s = base;
      String prefix = "jobs." + job.getKey() + ".rules.";
      for (Map.Entry<String, String> e : job.getValue().entrySet()) {
        s = applyRuleKey(s, e.getKey(), e.getKey().substring(prefix.length()), e.getValue());
      }
      byJob.put(job.getKey(), s);
    }
    return new MonitorConfig(
        (int) get(monitor, EVENTS_PARTITIONS),
        (int) get(monitor, ALERTS_PARTITIONS),
        (int) get(monitor, DLQ_PARTITIONS),
        (short) get(monitor, REPLICATION_FACTOR),
        guarantee,
        (int) get(monitor, STREAM_THREADS),
        store,
        Duration.ofSeconds((long) get(monitor, WALL_CLOCK_INTERVAL)),
        (int) get(monitor, MAX_RUNS),
        Duration.ofSeconds((long) get(monitor, ENDED_RETENTION)),
        Duration.ofSeconds((long) get(monitor, IDLE_RETENTION)),
        (int) get(monitor, MAX_RECORD_BYTES),
        new RuleConfig(base, byJob));
  }

  /** This configuration with other rule settings (tests and embedding). */
  public MonitorConfig withRules(RuleConfig newRules) {
    return new MonitorConfig(
        eventsPartitions,
        alertsPartitions,
        dlqPartitions,
        replicationFactor,
        processingGuarantee,
        streamThreads,
        stateStore,
        wallClockInterval,
        maxRuns,
        endedRunRetention,
        idleRunRetention,
        maxRecordBytes,
        newRules);
  }

  /** This configuration with another state store type (tests and embedding). */
  public MonitorConfig withStateStore(StateStoreType type) {
    return new MonitorConfig(
        eventsPartitions,
        alertsPartitions,
        dlqPartitions,
        replicationFactor,
        processingGuarantee,
        streamThreads,
        type,
        wallClockInterval,
        maxRuns,
        endedRunRetention,
        idleRunRetention,
        maxRecordBytes,
        rules);
  }

  private static RunSettings applyRuleKey(
      RunSettings settings, String fullKey, String ruleAndKey, String value) {
    int dot = ruleAndKey.indexOf('.');
    if (dot <= 0 || dot == ruleAndKey.length() - 1 || ruleAndKey.indexOf('.', dot + 1) >= 0) {
      throw new IllegalArgumentException(fullKey + ": expected rules.<rule_id>.<key>");
    }
    String ruleId = ruleAndKey.substring(0, dot);
    String key = ruleAndKey.substring(dot + 1);
    Rule rule =
        RuleId.fromId(ruleId)
            .map(Rules::get)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        fullKey
                            + ": unknown rule "
                            + ruleId
                            + " (rules: "
                            + Arrays.stream(RuleId.values())
                                .map(RuleId::id)
                                .collect(Collectors.joining(", "))
                            + ")"));
    Param p =
        rule.spec()
            .param(key)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        fullKey
                            + ": unknown key ("
                            + ruleId
                            + " has "
                            + String.join(", ", rule.spec().keys())
                            + ")"));
    return RuleConfig.apply(settings, rule, p, parseValue(fullKey, p, value));
  }

  private static double parseValue(String key, Param p, String value) {
    try {
      return p.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + "=" + value + ": " + e.getMessage());
    }
  }

  private static double get(Map<String, Double> values, Param p) {
    return values.getOrDefault(p.key(), p.defaultValue());
  }

  private static <T> T choice(
      String key, String value, T[] options, java.util.function.Function<T, String> wire) {
    for (T o : options) {
      if (wire.apply(o).equals(value.toLowerCase(Locale.ROOT))) {
        return o;
      }
    }
    List<String> names = new ArrayList<>();
    for (T o : options) {
      names.add(wire.apply(o));
    }
    throw new IllegalArgumentException(
        key + "=" + value + ": must be one of " + String.join(", ", names));
  }

  private static String monitorKeys() {
    List<String> keys = new ArrayList<>();
    MONITOR_PARAMS.forEach(p -> keys.add(p.key()));
    keys.add(PROCESSING_GUARANTEE);
    keys.add(STATE_STORE);
    return String.join(", ", keys);
  }
}
