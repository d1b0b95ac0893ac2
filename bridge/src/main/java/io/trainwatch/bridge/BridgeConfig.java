package io.trainwatch.bridge;

import io.trainwatch.cli.PropertiesFile;
import io.trainwatch.schemas.Severity;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bridge's whole configuration, parsed once at start from a properties file (keys in {@link
 * ConfigKey}) and the environment. Unknown keys and invalid values are refused with a message
 * naming the key; secrets never appear in messages or in {@link #toString()}.
 *
 * @param name names the consumer group and the state topic
 * @param topic the alerts topic
 * @param dlqTopic the bridge's dead-letter topic
 * @param startFrom where a new consumer group starts reading
 * @param maxPending alerts held in memory before consumption pauses
 * @param httpTimeout whole-request timeout
 * @param httpConnectTimeout connect timeout
 */
public record BridgeConfig(
    String name,
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
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  /** Headers the HTTP client or the bridge sets; a config must not override them. */
  private static final Set<String> RESERVED_HEADERS =
      Set.of("host", "content-length", "content-type", "connection", "expect", "upgrade");

  /** Where a consumer group with no committed offset starts. */
  public enum StartFrom {
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
        || topic == null
        || dlqTopic == null) {
      throw new IllegalArgumentException("all settings are required");
    }
  }

  /** The destination, from its settings. */
  public Destination destination() {
    return destinationSettings.destination();
  }

  /** The consumer group: {@code trainwatch-bridge-NAME}. */
  public String groupId() {
    return "trainwatch-bridge-" + name;
  }

  /**
   * The compacted topic holding the last revision delivered per alert_id: {@code
   * trainwatch.bridge.NAME.state}.
   */
  public String stateTopic() {
    return "trainwatch.bridge." + name + ".state";
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
    Map<String, String> p = new TreeMap<>();
    props.forEach((k, v) -> p.put(k.trim(), v == null ? "" : v.trim()));
    for (String key : p.keySet()) {
      if (ConfigKey.lookup(key) == null) {
        throw new BridgeConfigException(
            key
                + ": unknown key (known keys are listed in docs/bridges.md and in"
                + " `trainwatch bridge --help`)");
      }
    }
    try {
      return new Parser(p, env).parse(destination);
    } catch (IllegalArgumentException e) {
      throw new BridgeConfigException(e.getMessage(), e);
    }
  }

  /**
   * Parses {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 0} or ISO-8601 ({@code
   * PT10S}).
   */
  static Duration parseDuration(String key, String value) {
    if ("0".equals(value)) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(value);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
    try {
      return Duration.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          key + "=" + value + ": not a duration (use e.g. 500ms, 10s, 5m, 1h)", e);
    }
  }

  /** Reads keys one by one, so that every error names its key. */
  private static final class Parser {
    private final Map<String, String> props;
    private final Map<String, String> env;

    Parser(Map<String, String> props, Map<String, String> env) {
      this.props = props;
      this.env = env == null ? Map.of() : env;
    }

    BridgeConfig parse(Destination cliDestination) {
      Destination destination = destination(cliDestination);
      String name = string(ConfigKey.BRIDGE_NAME, destination.wire());
      RatePolicy documented = RatePolicy.documentedFor(destination);
      return new BridgeConfig(
          name,
          string(ConfigKey.BRIDGE_TOPIC),
          string(ConfigKey.BRIDGE_DLQ_TOPIC),
          enumValue(ConfigKey.BRIDGE_START_FROM, StartFrom.class),
          integer(ConfigKey.BRIDGE_MAX_PENDING, null),
          filter(),
          retry(),
          new RatePolicy(
              decimal(ConfigKey.RATE_PER_SECOND, documented.perSecond()),
              integer(ConfigKey.RATE_BURST, documented.burst())),
          positive(ConfigKey.HTTP_TIMEOUT),
          positive(ConfigKey.HTTP_CONNECT_TIMEOUT),
          wrap(
              ConfigKey.LINKS_RUN_URL,
              () ->
                  new LinkTemplates(
                      raw(ConfigKey.LINKS_RUN_URL), raw(ConfigKey.LINKS_RUNBOOK_URL))),
          settings(destination));
    }

    private Destination destination(Destination cli) {
      String inFile = raw(ConfigKey.BRIDGE_TO);
      Destination fromFile =
          inFile == null ? null : wrap(ConfigKey.BRIDGE_TO, () -> Destination.fromWire(inFile));
      if (cli != null && fromFile != null && cli != fromFile) {
        throw new IllegalArgumentException(
            "bridge.to="
                + fromFile.wire()
                + ": the command line says --to "
                + cli.wire()
                + "; drop one");
      }
      if (cli == null && fromFile == null) {
        throw new IllegalArgumentException(
            "bridge.to: required (or --to slack|pagerduty|alertmanager|webhook)");
      }
      return cli != null ? cli : fromFile;
    }

    private DestinationSettings settings(Destination d) {
      return switch (d) {
        case SLACK ->
            new DestinationSettings.Slack(
                secretUrl(ConfigKey.SLACK_WEBHOOK_URL), duration(ConfigKey.SLACK_GROUP_WINDOW));
        case PAGERDUTY ->
            new DestinationSettings.PagerDuty(
                secretToken(ConfigKey.PAGERDUTY_ROUTING_KEY), uri(ConfigKey.PAGERDUTY_URL));
        case ALERTMANAGER ->
            new DestinationSettings.Alertmanager(
                secretUrl(ConfigKey.ALERTMANAGER_URL),
                positive(ConfigKey.ALERTMANAGER_RESEND_INTERVAL));
        case WEBHOOK ->
            new DestinationSettings.Webhook(
                secretUrl(ConfigKey.WEBHOOK_URL),
                wrap(
                    ConfigKey.WEBHOOK_FORMAT,
                    () ->
                        DestinationSettings.WebhookFormat.fromWire(
                            string(ConfigKey.WEBHOOK_FORMAT))),
                headers());
      };
    }

    private RetryPolicy retry() {
      Duration initial = positive(ConfigKey.RETRY_INITIAL_BACKOFF);
      Duration max = positive(ConfigKey.RETRY_MAX_BACKOFF);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            ConfigKey.RETRY_MAX_BACKOFF.key()
                + "="
                + string(ConfigKey.RETRY_MAX_BACKOFF)
                + ": must be >= "
                + ConfigKey.RETRY_INITIAL_BACKOFF.key()
                + " ("
                + string(ConfigKey.RETRY_INITIAL_BACKOFF)
                + ")");
      }
      Duration rateLimit = positive(ConfigKey.RETRY_RATE_LIMIT_BACKOFF);
      if (rateLimit.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            ConfigKey.RETRY_RATE_LIMIT_BACKOFF.key()
                + "="
                + string(ConfigKey.RETRY_RATE_LIMIT_BACKOFF)
                + ": must be <= "
                + ConfigKey.RETRY_MAX_BACKOFF.key()
                + " ("
                + string(ConfigKey.RETRY_MAX_BACKOFF)
                + ")");
      }
      return new RetryPolicy(
          integer(ConfigKey.RETRY_MAX_ATTEMPTS, null),
          initial,
          max,
          positive(ConfigKey.RETRY_PARK_INTERVAL),
          rateLimit);
    }

    private AlertFilter filter() {
      return new AlertFilter(
          wrap(
              ConfigKey.FILTER_MIN_SEVERITY,
              () -> Severity.fromWire(string(ConfigKey.FILTER_MIN_SEVERITY))),
          list(ConfigKey.FILTER_INCLUDE_RULES),
          list(ConfigKey.FILTER_EXCLUDE_RULES),
          list(ConfigKey.FILTER_INCLUDE_JOBS),
          list(ConfigKey.FILTER_EXCLUDE_JOBS),
          pairs(ConfigKey.FILTER_INCLUDE_LABELS),
          pairs(ConfigKey.FILTER_EXCLUDE_LABELS));
    }

    private Map<String, Secret> headers() {
      Map<String, Secret> headers = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : props.entrySet()) {
        if (e.getKey().startsWith(ConfigKey.WEBHOOK_HEADER.key())) {
          String header = e.getKey().substring(ConfigKey.WEBHOOK_HEADER.key().length());
          if (!HEADER_NAME.matcher(header).matches()) {
            throw new IllegalArgumentException(
                e.getKey() + ": '" + header + "' is not a valid header name");
          }
          if (RESERVED_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(
                e.getKey() + ": the bridge sets " + header + " itself");
          }
          if (e.getValue().isEmpty()
              || e.getValue().chars().anyMatch(c -> c == '\r' || c == '\n')) {
            throw new IllegalArgumentException(e.getKey() + ": must be one non-empty line");
          }
          headers.put(header, Secret.token(e.getValue()));
        }
      }
      return headers;
    }

    private String raw(ConfigKey k) {
      String v = props.get(k.key());
      return v == null || v.isEmpty() ? null : v;
    }

    private String string(ConfigKey k) {
      return string(k, k.defaultValue());
    }

    private String string(ConfigKey k, String fallback) {
      String v = raw(k);
      return v == null ? fallback : v;
    }

    private Secret secretUrl(ConfigKey k) {
      String v = secretValue(k);
      return v == null ? null : Secret.url(v);
    }

    private Secret secretToken(ConfigKey k) {
      String v = secretValue(k);
      return v == null ? null : Secret.token(v);
    }

    private String secretValue(ConfigKey k) {
      String v = raw(k);
      if (v == null && k.envVar() != null) {
        String fromEnv = env.get(k.envVar());
        v = fromEnv == null || fromEnv.isBlank() ? null : fromEnv.trim();
      }
      if (v == null) {
        throw new IllegalArgumentException(
            k.key() + ": required (in the config file or $" + k.envVar() + ")");
      }
      return v;
    }

    private URI uri(ConfigKey k) {
      String v = string(k);
      try {
        return new URI(v);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException(k.key() + "=" + v + ": not a URL", e);
      }
    }

    private int integer(ConfigKey k, Integer fallback) {
      String v = raw(k);
      if (v == null) {
        return fallback != null ? fallback : Integer.parseInt(k.defaultValue());
      }
      try {
        int n = Integer.parseInt(v);
        if (n < 1) {
          throw new IllegalArgumentException(k.key() + "=" + v + ": must be >= 1");
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(k.key() + "=" + v + ": not an integer", e);
      }
    }

    private double decimal(ConfigKey k, double fallback) {
      String v = raw(k);
      if (v == null) {
        return fallback;
      }
      try {
        double d = Double.parseDouble(v);
        if (!(d >= 0) || Double.isInfinite(d)) {
          throw new IllegalArgumentException(k.key() + "=" + v + ": must be >= 0 (0 = unpaced)");
        }
        return d;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(k.key() + "=" + v + ": not a number", e);
      }
    }

    private Duration duration(ConfigKey k) {
      Duration d = parseDuration(k.key(), string(k));
      if (d.isNegative()) {
        throw new IllegalArgumentException(k.key() + "=" + string(k) + ": must be >= 0");
      }
      return d;
    }

    private Duration positive(ConfigKey k) {
      Duration d = duration(k);
      if (d.isZero()) {
        throw new IllegalArgumentException(k.key() + "=" + string(k) + ": must be > 0");
      }
      return d;
    }

    private <E extends Enum<E>> E enumValue(ConfigKey k, Class<E> type) {
      String v = string(k);
      for (E e : type.getEnumConstants()) {
        if (e.name().toLowerCase(Locale.ROOT).equals(v)) {
          return e;
        }
      }
      List<String> names = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        names.add(e.name().toLowerCase(Locale.ROOT));
      }
      throw new IllegalArgumentException(
          k.key() + "=" + v + ": not one of " + String.join(", ", names));
    }

    private Set<String> list(ConfigKey k) {
      Set<String> out = new LinkedHashSet<>();
      for (String s : string(k).split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
      return out;
    }

    private Map<String, String> pairs(ConfigKey k) {
      Map<String, String> out = new LinkedHashMap<>();
      for (String s : list(k)) {
        int eq = s.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              k.key() + "=" + string(k) + ": '" + s + "' is not label=value");
        }
        out.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
      }
      return out;
    }

    /** Prefixes a value error with its key unless the message already names one. */
    private <T> T wrap(ConfigKey k, java.util.function.Supplier<T> parse) {
      try {
        return parse.get();
      } catch (IllegalArgumentException e) {
        String m = e.getMessage();
        if (m != null && (m.startsWith("runUrl=") || m.startsWith("runbookUrl="))) {
          String key =
              m.startsWith("runUrl=")
                  ? ConfigKey.LINKS_RUN_URL.key()
                  : ConfigKey.LINKS_RUNBOOK_URL.key();
          throw new IllegalArgumentException(key + m.substring(m.indexOf('=')), e);
        }
        String value = props.getOrDefault(k.key(), k.defaultValue());
        String quoted = "'" + value + "': ";
        String problem = m != null && m.startsWith(quoted) ? m.substring(quoted.length()) : m;
        throw new IllegalArgumentException(k.key() + "=" + value + ": " + problem, e);
      }
    }
  }
}
