package io.trainwatch.monitor.config;

import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.cli.PropertiesFile;
import io.trainwatch.monitor.rules.Param;
import io.trainwatch.monitor.rules.RuleDefinition;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.RunSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The monitor's configuration: one properties file with {@code monitor.*} keys for the application
 * and {@code rules.<rule_id>.<key>} / {@code jobs.<job>.rules.<rule_id>.<key>} keys for the rules.
 * Every key has a built-in default; unknown keys and invalid values are refused at start-up with a
 * message naming the key. Every key is documented in docs/configuration.md.
 *
 * <p>The {@code monitor.*} keys are defined, typed and range-checked by {@link MonitorConfigDef} (a
 * Kafka {@code ConfigDef}); rule keys are data of the rules ({@code RuleSpec}).
 *
 * @param eventsTopic the topic trainers publish events to ({@code trainwatch.events})
 * @param alertsTopic the topic alerts go to ({@code trainwatch.alerts})
 * @param dlqTopic the dead-letter topic of unreadable events ({@code trainwatch.events.dlq})
 * @param eventsPartitions partitions of {@code trainwatch.events} when the monitor creates it
 * @param alertsPartitions partitions of {@code trainwatch.alerts} when the monitor creates it
 * @param dlqPartitions partitions of {@code trainwatch.events.dlq} when the monitor creates it
 * @param replicationFactor replication factor of the topics it creates and of its internal topics
 * @param minInsyncReplicas {@code min.insync.replicas} of the topics it creates and of its internal
 *     topics, or empty for the broker's default; at most {@code replicationFactor}
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
 * @param actions closed-loop actions: control topic, policies, checkpoints ({@code actions.*})
 * @param jobs distributed jobs: repartition topics, alert grouping, idle retention ({@code
 *     monitor.jobs.*})
 * @param group group membership and standby replicas: how fast work resumes after an instance
 *     restarts or dies ({@code monitor.group.*}, {@code monitor.standby_replicas})
 */
public record MonitorConfig(
    String eventsTopic,
    String alertsTopic,
    String dlqTopic,
    int eventsPartitions,
    int alertsPartitions,
    int dlqPartitions,
    short replicationFactor,
    OptionalInt minInsyncReplicas,
    ProcessingGuarantee processingGuarantee,
    int streamThreads,
    StateStoreType stateStore,
    Duration wallClockInterval,
    int maxRuns,
    Duration endedRunRetention,
    Duration idleRunRetention,
    int maxRecordBytes,
    RuleConfig rules,
    ActionConfig actions,
    JobConfig jobs,
    GroupConfig group) {

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

  public MonitorConfig {
    if (processingGuarantee == null
        || stateStore == null
        || rules == null
        || eventsTopic == null
        || alertsTopic == null
        || dlqTopic == null
        || actions == null
        || jobs == null
        || group == null) {
      throw new IllegalArgumentException(
          "topics, processing guarantee, state store and rules are required");
    }
    if (minInsyncReplicas == null) {
      minInsyncReplicas = OptionalInt.empty();
    }
    if (minInsyncReplicas.isPresent() && minInsyncReplicas.getAsInt() > replicationFactor) {
      throw new IllegalArgumentException(
          MonitorConfigDef.MIN_INSYNC_REPLICAS
              + "="
              + minInsyncReplicas.getAsInt()
              + ": must be <= "
              + MonitorConfigDef.REPLICATION_FACTOR
              + " ("
              + replicationFactor
              + "), or no write to the topics could ever be acknowledged");
    }
  }

  /**
   * Topic settings of every topic the monitor creates (its internal ones included): {@code
   * min.insync.replicas} when configured, nothing otherwise (the broker's defaults apply).
   */
  public Map<String, String> topicConfigs() {
    return minInsyncReplicas.isPresent()
        ? Map.of("min.insync.replicas", Integer.toString(minInsyncReplicas.getAsInt()))
        : Map.of();
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
    return parse(PropertiesFile.read(file, "--config"));
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
      entries.put(key, props.getProperty(key));
    }
    return parse(entries);
  }

  /** {@link #parse(Properties)} for a map of keys. */
  public static MonitorConfig parse(Map<String, String> props) {
    Map<String, String> entries = new TreeMap<>();
    props.forEach((k, v) -> entries.put(k.trim(), v == null ? "" : v.trim()));
    Map<String, String> monitor = new TreeMap<>();
    RunSettings base = RunSettings.defaults();
    Map<String, Map<String, String>> jobEntries = new TreeMap<>();
    Map<String, String> actionEntries = new TreeMap<>();
    for (Map.Entry<String, String> e : entries.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (key.startsWith("actions.") || ActionsConfigDef.DEF.names().contains(key)) {
        actionEntries.put(key, value);
      } else if (key.startsWith("monitor.")) {
        if (!MonitorConfigDef.DEF.names().contains(key)) {
          throw new IllegalArgumentException(
              key
                  + ": unknown key (monitor keys: "
                  + String.join(", ", MonitorConfigDef.DEF.names())
                  + ")");
        }
        monitor.put(key, value);
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
            key + ": unknown key (keys start with monitor., rules., jobs. or actions.)");
      }
    }
    Map<String, Object> app = ConfigDefs.parse(MonitorConfigDef.DEF, monitor);
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
        (String) app.get(MonitorConfigDef.EVENTS_TOPIC),
        (String) app.get(MonitorConfigDef.ALERTS_TOPIC),
        (String) app.get(MonitorConfigDef.DLQ_TOPIC),
        (int) app.get(MonitorConfigDef.EVENTS_PARTITIONS),
        (int) app.get(MonitorConfigDef.ALERTS_PARTITIONS),
        (int) app.get(MonitorConfigDef.DLQ_PARTITIONS),
        ((Integer) app.get(MonitorConfigDef.REPLICATION_FACTOR)).shortValue(),
        app.get(MonitorConfigDef.MIN_INSYNC_REPLICAS) == null
            ? OptionalInt.empty()
            : OptionalInt.of((int) app.get(MonitorConfigDef.MIN_INSYNC_REPLICAS)),
        wire(
            app,
            MonitorConfigDef.PROCESSING_GUARANTEE,
            ProcessingGuarantee.values(),
            ProcessingGuarantee::wire),
        (int) app.get(MonitorConfigDef.STREAM_THREADS),
        wire(app, MonitorConfigDef.STATE_STORE, StateStoreType.values(), StateStoreType::wire),
        Duration.ofSeconds((int) app.get(MonitorConfigDef.WALL_CLOCK_INTERVAL)),
        (int) app.get(MonitorConfigDef.MAX_RUNS),
        Duration.ofSeconds((int) app.get(MonitorConfigDef.ENDED_RETENTION)),
        Duration.ofSeconds((int) app.get(MonitorConfigDef.IDLE_RETENTION)),
        (int) app.get(MonitorConfigDef.MAX_RECORD_BYTES),
        new RuleConfig(base, byJob),
        ActionConfig.parse(actionEntries),
        JobConfig.of(
            Duration.ofSeconds((int) app.get(MonitorConfigDef.JOB_GROUP_WAIT)),
            Duration.ofSeconds((int) app.get(MonitorConfigDef.JOB_IDLE_RETENTION))),
        new GroupConfig(
            (String) app.get(MonitorConfigDef.INSTANCE_ID),
            Duration.ofSeconds((int) app.get(MonitorConfigDef.SESSION_TIMEOUT)),
            (int) app.get(MonitorConfigDef.STANDBY_REPLICAS)));
  }

  /**
   * This configuration with {@code prefix} in front of its three topic names ({@code
   * --topic-prefix}: a shared cluster whose ACLs grant a team the topics of one prefix).
   */
  public MonitorConfig withTopicPrefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return this;
    }
    return edit(
        b -> {
          b.eventsTopic = prefix + eventsTopic;
          b.alertsTopic = prefix + alertsTopic;
          b.dlqTopic = prefix + dlqTopic;
          b.actions = actions.withTopicPrefix(prefix);
          b.jobs = jobs.withTopicPrefix(prefix);
        });
  }

  /** This configuration with other closed-loop actions (tests and embedding). */
  public MonitorConfig withActions(ActionConfig newActions) {
    return edit(b -> b.actions = newActions);
  }

  /** This configuration with other rule settings (tests and embedding). */
  public MonitorConfig withRules(RuleConfig newRules) {
    return edit(b -> b.rules = newRules);
  }

  /** This configuration with another state store type (tests and embedding). */
  public MonitorConfig withStateStore(StateStoreType type) {
    return edit(b -> b.stateStore = type);
  }

  /** This configuration with other group settings (tests and embedding). */
  public MonitorConfig withGroup(GroupConfig newGroup) {
    return edit(b -> b.group = newGroup);
  }

  /**
   * This configuration with {@code change} applied to a copy of its components, validated again.
   */
  private MonitorConfig edit(Consumer<Components> change) {
    Components b = new Components(this);
    change.accept(b);
    return b.build();
  }

  /** The components of a configuration, mutable while one {@code with...} method changes some. */
  private static final class Components {
    String eventsTopic;
    String alertsTopic;
    String dlqTopic;
    int eventsPartitions;
    int alertsPartitions;
    int dlqPartitions;
    short replicationFactor;
    OptionalInt minInsyncReplicas;
    ProcessingGuarantee processingGuarantee;
    int streamThreads;
    StateStoreType stateStore;
    Duration wallClockInterval;
    int maxRuns;
    Duration endedRunRetention;
    Duration idleRunRetention;
    int maxRecordBytes;
    RuleConfig rules;
    ActionConfig actions;
    JobConfig jobs;
    GroupConfig group;

    Components(MonitorConfig from) {
      eventsTopic = from.eventsTopic;
      alertsTopic = from.alertsTopic;
      dlqTopic = from.dlqTopic;
      eventsPartitions = from.eventsPartitions;
      alertsPartitions = from.alertsPartitions;
      dlqPartitions = from.dlqPartitions;
      replicationFactor = from.replicationFactor;
      minInsyncReplicas = from.minInsyncReplicas;
      processingGuarantee = from.processingGuarantee;
      streamThreads = from.streamThreads;
      stateStore = from.stateStore;
      wallClockInterval = from.wallClockInterval;
      maxRuns = from.maxRuns;
      endedRunRetention = from.endedRunRetention;
      idleRunRetention = from.idleRunRetention;
      maxRecordBytes = from.maxRecordBytes;
      rules = from.rules;
      actions = from.actions;
      jobs = from.jobs;
      group = from.group;
    }

    MonitorConfig build() {
      return new MonitorConfig(
          eventsTopic,
          alertsTopic,
          dlqTopic,
          eventsPartitions,
          alertsPartitions,
          dlqPartitions,
          replicationFactor,
          minInsyncReplicas,
          processingGuarantee,
          streamThreads,
          stateStore,
          wallClockInterval,
          maxRuns,
          endedRunRetention,
          idleRunRetention,
          maxRecordBytes,
          rules,
          actions,
          jobs,
          group);
    }
  }

  private static RunSettings applyRuleKey(
      RunSettings settings, String fullKey, String ruleAndKey, String value) {
    int dot = ruleAndKey.indexOf('.');
    if (dot <= 0 || dot == ruleAndKey.length() - 1 || ruleAndKey.indexOf('.', dot + 1) >= 0) {
      throw new IllegalArgumentException(fullKey + ": expected rules.<rule_id>.<key>");
    }
    String ruleId = ruleAndKey.substring(0, dot);
    String key = ruleAndKey.substring(dot + 1);
    RuleDefinition rule =
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

  /** The enumeration constant whose wire name ConfigDef has validated. */
  private static <T> T wire(
      Map<String, Object> app,
      String key,
      T[] options,
      java.util.function.Function<T, String> wire) {
    Object value = app.get(key);
    for (T o : options) {
      if (wire.apply(o).equals(value)) {
        return o;
      }
    }
    throw new IllegalStateException(key + "=" + value + ": validated but not an option");
  }
}
