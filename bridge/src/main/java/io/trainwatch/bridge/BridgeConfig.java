package io.trainwatch.bridge;

import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.cli.PropertiesFile;
import io.trainwatch.schemas.Severity;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.types.Password;

/**
 * A bridge's whole configuration, parsed once at start from a properties file (keys in {@link
 * BridgeConfigDef}) and the environment. Unknown keys and invalid values are refused with a message
 * naming the key; secrets never appear in messages or in {@link #toString()}.
 *
 * @param name names the consumer group and the state topic
 * @param topicPrefix in front of the consumer group and the state topic ({@code --topic-prefix};
 *     already in front of {@code topic} and {@code dlqTopic}), or the empty string
 * @param topic the alerts topic
 * @param dlqTopic the bridge's dead-letter topic
 * @param startFrom where a new consumer group starts reading
 * @param maxPending alerts held in memory before consumption pauses
 * @param httpTimeout whole-request timeout
 * @param httpConnectTimeout connect timeout
 */
public record BridgeConfig(
    String name,
    String topicPrefix,
    String topic,
    String dlqTopic,
    StartFrom startFrom,
    int maxPending,
    AlertFilter filter,
    RetryPolicy retry,
    RatePolicy rate,
    Duration httpTimeout,
    Duration httpConnectTimeout,
    LinkTemplates links,
    DestinationSettings destinationSettings) {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  /** Headers the HTTP client or the bridge sets; a config must not override them. */
  private static final Set<String> RESERVED_HEADERS =
      Set.of("host", "content-length", "content-type", "connection", "expect", "upgrade");

  /** Where a consumer group with no committed offset starts. */
  public enum StartFrom {
    /**
     * The alerts firing now (read from the compacted {@code <topic>.active} the monitor writes in
     * the alerts' transaction), then everything emitted after the bridge first starts: what a new
     * Alertmanager receiver gets.
     */
    ACTIVE,
    /** Only alerts emitted after the bridge first starts: no pages for history. */
    LATEST,
    /** Everything still in the topic. */
    EARLIEST
  }

  public BridgeConfig {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name=" + name + ": must match " + NAME.pattern());
    }
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending=" + maxPending + ": must be >= 1");
    }
    if (destinationSettings == null
        || filter == null
        || retry == null
        || rate == null
        || links == null
        || startFrom == null
        || topicPrefix == null
        || topic == null
        || dlqTopic == null) {
      throw new IllegalArgumentException("all settings are required");
    }
  }

  /** The destination, from its settings. */
  public Destination destination() {
    return destinationSettings.destination();
  }

  /** The consumer group: {@code trainwatch-bridge-NAME}, after the topic prefix. */
  public String groupId() {
    return topicPrefix + "trainwatch-bridge-" + name;
  }

  /**
   * The compacted topic holding the last revision delivered per alert_id: {@code
   * trainwatch.bridge.NAME.state}, after the topic prefix.
   */
  public String stateTopic() {
    return topicPrefix + "trainwatch.bridge." + name + ".state";
  }

  /**
   * This configuration with {@code prefix} in front of every Kafka name it uses: the alerts topic
   * (and so its {@code .active} topic), the dead-letter topic, the state topic and the consumer
   * group ({@code --topic-prefix}: a shared cluster whose ACLs grant a team one prefix).
   */
  public BridgeConfig withTopicPrefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return this;
    }
    return new BridgeConfig(
        name,
        topicPrefix + prefix,
        prefix + topic,
        prefix + dlqTopic,
        startFrom,
        maxPending,
        filter,
        retry,
        rate,
        httpTimeout,
        httpConnectTimeout,
        links,
        destinationSettings);
  }

  /** Redacts every secret of this config. */
  public Redactor redactor() {
    return new Redactor(destinationSettings.secrets());
  }

  /**
   * Reads a config file.
   *
   * @param file a properties file, or {@code null} for defaults and environment only
   * @param env where secrets not set in the file come from (normally {@code System.getenv()})
   * @param destination the destination given on the command line, or {@code null} to use {@code
   *     bridge.to}
   * @throws BridgeConfigException naming the file or key that is wrong
   */
  public static BridgeConfig load(Path file, Map<String, String> env, Destination destination) {
    Map<String, String> props;
    try {
      props = PropertiesFile.read(file, "config file");
    } catch (IllegalArgumentException e) {
      throw new BridgeConfigException(e.getMessage(), e);
    }
    return parse(props, env, destination);
  }

  /** {@link #load} for an in-memory map of keys. */
  public static BridgeConfig parse(
      Map<String, String> props, Map<String, String> env, Destination destination) {
    Map<String, String> values = new TreeMap<>();
    Map<String, String> headerLines = new TreeMap<>();
    for (Map.Entry<String, String> e : props.entrySet()) {
      String key = e.getKey().trim();
      String value = e.getValue() == null ? "" : e.getValue().trim();
      if (!BridgeConfigDef.isKey(key)) {
        throw new BridgeConfigException(
            key
                + ": unknown key (known keys are listed in docs/bridges.md and in"
                + " `trainwatch bridge --help`)");
      }
      if (key.startsWith(BridgeConfigDef.WEBHOOK_HEADER_PREFIX)) {
        headerLines.put(key, value);
      } else if (!value.isEmpty()) {
        values.put(key, value); // an empty value is the default, as if the line were not there
      }
    }
    Map<String, String> environment = env == null ? Map.of() : env;
    BridgeConfigDef.SECRET_ENV.forEach(
        (key, variable) -> {
          String fromEnv = environment.get(variable);
          if (!values.containsKey(key) && fromEnv != null && !fromEnv.isBlank()) {
            values.put(key, fromEnv.trim());
          }
        });
    try {
      return new Parser(ConfigDefs.parse(BridgeConfigDef.DEF, values), values, headerLines)
          .parse(destination);
    } catch (IllegalArgumentException e) {
      throw new BridgeConfigException(e.getMessage(), e);
    }
  }

  /** Builds the typed configuration from values {@link BridgeConfigDef#DEF} has validated. */
  private static final class Parser {
    private final Map<String, Object> v;
    private final Map<String, String> given;
    private final Map<String, String> headerLines;

    Parser(Map<String, Object> v, Map<String, String> given, Map<String, String> headerLines) {
      this.v = v;
      this.given = given;
      this.headerLines = headerLines;
    }

    BridgeConfig parse(Destination cliDestination) {
      Destination destination = destination(cliDestination);
      String name = string(BridgeConfigDef.BRIDGE_NAME);
      RatePolicy documented = RatePolicy.documentedFor(destination);
      Double perSecond = (Double) v.get(BridgeConfigDef.RATE_PER_SECOND);
      Integer burst = (Integer) v.get(BridgeConfigDef.RATE_BURST);
      String runUrl = string(BridgeConfigDef.LINKS_RUN_URL);
      String runbookUrl = string(BridgeConfigDef.LINKS_RUNBOOK_URL);
      return new BridgeConfig(
          name == null ? destination.wire() : name,
          "",
          string(BridgeConfigDef.BRIDGE_TOPIC),
          string(BridgeConfigDef.BRIDGE_DLQ_TOPIC),
          StartFrom.valueOf(string(BridgeConfigDef.BRIDGE_START_FROM).toUpperCase(Locale.ROOT)),
          (Integer) v.get(BridgeConfigDef.BRIDGE_MAX_PENDING),
          filter(),
          retry(),
          new RatePolicy(
              perSecond == null ? documented.perSecond() : perSecond,
              burst == null ? documented.burst() : burst),
          duration(BridgeConfigDef.HTTP_TIMEOUT),
          duration(BridgeConfigDef.HTTP_CONNECT_TIMEOUT),
          links(runUrl, runbookUrl),
          settings(destination));
    }

    private Destination destination(Destination cli) {
      String inFile = string(BridgeConfigDef.BRIDGE_TO);
      Destination fromFile = inFile == null ? null : Destination.fromWire(inFile);
      if (cli != null && fromFile != null && cli != fromFile) {
        throw new IllegalArgumentException(
            BridgeConfigDef.BRIDGE_TO
                + "="
                + fromFile.wire()
                + ": the command line says --to "
                + cli.wire()
                + "; drop one");
      }
      if (cli == null && fromFile == null) {
        throw new IllegalArgumentException(
            BridgeConfigDef.BRIDGE_TO
                + ": required (or --to slack|pagerduty|alertmanager|webhook)");
      }
      return cli != null ? cli : fromFile;
    }

    private DestinationSettings settings(Destination d) {
      return switch (d) {
        case SLACK ->
            new DestinationSettings.Slack(
                Secret.url(secret(BridgeConfigDef.SLACK_WEBHOOK_URL)),
                duration(BridgeConfigDef.SLACK_GROUP_WINDOW));
        case PAGERDUTY ->
            new DestinationSettings.PagerDuty(
                Secret.token(secret(BridgeConfigDef.PAGERDUTY_ROUTING_KEY)),
                URI.create(string(BridgeConfigDef.PAGERDUTY_URL)));
        case ALERTMANAGER ->
            new DestinationSettings.Alertmanager(
                Secret.url(secret(BridgeConfigDef.ALERTMANAGER_URL)),
                duration(BridgeConfigDef.ALERTMANAGER_RESEND_INTERVAL));
        case WEBHOOK ->
            new DestinationSettings.Webhook(
                Secret.url(secret(BridgeConfigDef.WEBHOOK_URL)),
                DestinationSettings.WebhookFormat.fromWire(string(BridgeConfigDef.WEBHOOK_FORMAT)),
                headers());
      };
    }

    private RetryPolicy retry() {
      Duration initial = duration(BridgeConfigDef.RETRY_INITIAL_BACKOFF);
      Duration max = duration(BridgeConfigDef.RETRY_MAX_BACKOFF);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            BridgeConfigDef.RETRY_MAX_BACKOFF
                + "="
                + string(BridgeConfigDef.RETRY_MAX_BACKOFF)
                + ": must be >= "
                + BridgeConfigDef.RETRY_INITIAL_BACKOFF
                + " ("
                + string(BridgeConfigDef.RETRY_INITIAL_BACKOFF)
                + ")");
      }
      Duration rateLimit = duration(BridgeConfigDef.RETRY_RATE_LIMIT_BACKOFF);
      if (rateLimit.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            BridgeConfigDef.RETRY_RATE_LIMIT_BACKOFF
                + "="
                + string(BridgeConfigDef.RETRY_RATE_LIMIT_BACKOFF)
                + ": must be <= "
                + BridgeConfigDef.RETRY_MAX_BACKOFF
                + " ("
                + string(BridgeConfigDef.RETRY_MAX_BACKOFF)
                + ")");
      }
      return new RetryPolicy(
          (Integer) v.get(BridgeConfigDef.RETRY_MAX_ATTEMPTS),
          initial,
          max,
          duration(BridgeConfigDef.RETRY_PARK_INTERVAL),
          rateLimit);
    }

    private AlertFilter filter() {
      return new AlertFilter(
          Severity.fromWire(string(BridgeConfigDef.FILTER_MIN_SEVERITY)),
          list(BridgeConfigDef.FILTER_INCLUDE_RULES),
          list(BridgeConfigDef.FILTER_EXCLUDE_RULES),
          list(BridgeConfigDef.FILTER_INCLUDE_JOBS),
          list(BridgeConfigDef.FILTER_EXCLUDE_JOBS),
          pairs(BridgeConfigDef.FILTER_INCLUDE_LABELS),
          pairs(BridgeConfigDef.FILTER_EXCLUDE_LABELS));
    }

    private static LinkTemplates links(String runUrl, String runbookUrl) {
      try {
        return new LinkTemplates(runUrl, runbookUrl);
      } catch (IllegalArgumentException e) {
        // LinkTemplates names its fields (runUrl=..., runbookUrl=...); a user knows the keys.
        String m = String.valueOf(e.getMessage());
        String key =
            m.startsWith("runbookUrl=")
                ? BridgeConfigDef.LINKS_RUNBOOK_URL
                : BridgeConfigDef.LINKS_RUN_URL;
        throw new IllegalArgumentException(key + m.substring(m.indexOf('=')), e);
      }
    }

    private Map<String, Secret> headers() {
      Map<String, Secret> headers = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : headerLines.entrySet()) {
        String header = e.getKey().substring(BridgeConfigDef.WEBHOOK_HEADER_PREFIX.length());
        if (!HEADER_NAME.matcher(header).matches()) {
          throw new IllegalArgumentException(
              e.getKey() + ": '" + header + "' is not a valid header name");
        }
        if (RESERVED_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException(
              e.getKey() + ": the bridge sets " + header + " itself");
        }
        if (e.getValue().isEmpty() || e.getValue().chars().anyMatch(c -> c == '\r' || c == '\n')) {
          throw new IllegalArgumentException(e.getKey() + ": must be one non-empty line");
        }
        headers.put(header, Secret.token(e.getValue()));
      }
      return headers;
    }

    private String string(String key) {
      return (String) v.get(key);
    }

    /** A secret of the file or the environment; required for the destination that uses it. */
    private String secret(String key) {
      Password p = (Password) v.get(key);
      if (p == null) {
        throw new IllegalArgumentException(
            key
                + ": required (in the config file or $"
                + BridgeConfigDef.SECRET_ENV.get(key)
                + ")");
      }
      return p.value();
    }

    private Duration duration(String key) {
      return BridgeConfigDef.parseDuration(string(key));
    }

    private Set<String> list(String key) {
      Set<String> out = new LinkedHashSet<>();
      for (Object s : (List<?>) v.get(key)) {
        if (!s.toString().isBlank()) {
          out.add(s.toString().trim());
        }
      }
      return out;
    }

    private Map<String, String> pairs(String key) {
      Map<String, String> out = new LinkedHashMap<>();
      for (String s : list(key)) {
        int eq = s.indexOf('=');
        out.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
      }
      return out;
    }
  }
}
