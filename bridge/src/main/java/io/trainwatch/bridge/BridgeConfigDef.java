package io.trainwatch.bridge;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.DOUBLE;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.PASSWORD;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.schemas.Topics;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every key of a bridge config file: type, default, validation and meaning, as a Kafka {@link
 * ConfigDef}, the one place they are spelled. Secrets are {@code PASSWORD}s and may come from the
 * environment instead ({@link #SECRET_ENV}); a value in the file wins. {@code webhook.header.NAME}
 * is a family of keys ({@link #WEBHOOK_HEADER_PREFIX}), read beside the definition. docs/bridges.md
 * documents every key; BridgesDocTest keeps the two in step.
 */
public final class BridgeConfigDef {

  public static final String BRIDGE_TO = "bridge.to";
  public static final String BRIDGE_NAME = "bridge.name";
  public static final String BRIDGE_TOPIC = "bridge.topic";
  public static final String BRIDGE_DLQ_TOPIC = "bridge.dlq_topic";
  public static final String BRIDGE_START_FROM = "bridge.start_from";
  public static final String BRIDGE_MAX_PENDING = "bridge.max_pending";
  public static final String FILTER_MIN_SEVERITY = "filter.min_severity";
  public static final String FILTER_INCLUDE_RULES = "filter.include_rules";
  public static final String FILTER_EXCLUDE_RULES = "filter.exclude_rules";
  public static final String FILTER_INCLUDE_JOBS = "filter.include_jobs";
  public static final String FILTER_EXCLUDE_JOBS = "filter.exclude_jobs";
  public static final String FILTER_INCLUDE_LABELS = "filter.include_labels";
  public static final String FILTER_EXCLUDE_LABELS = "filter.exclude_labels";
  public static final String RETRY_MAX_ATTEMPTS = "retry.max_attempts";
  public static final String RETRY_INITIAL_BACKOFF = "retry.initial_backoff";
  public static final String RETRY_MAX_BACKOFF = "retry.max_backoff";
  public static final String RETRY_PARK_INTERVAL = "retry.park_interval";
  public static final String RETRY_RATE_LIMIT_BACKOFF = "retry.rate_limit_backoff";
  public static final String RATE_PER_SECOND = "rate.per_second";
  public static final String RATE_BURST = "rate.burst";
  public static final String HTTP_TIMEOUT = "http.timeout";
  public static final String HTTP_CONNECT_TIMEOUT = "http.connect_timeout";
  public static final String LINKS_RUN_URL = "links.run_url";
  public static final String LINKS_RUNBOOK_URL = "links.runbook_url";
  public static final String SLACK_WEBHOOK_URL = "slack.webhook_url";
  public static final String SLACK_GROUP_WINDOW = "slack.group_window";
  public static final String PAGERDUTY_ROUTING_KEY = "pagerduty.routing_key";
  public static final String PAGERDUTY_URL = "pagerduty.url";
  public static final String ALERTMANAGER_URL = "alertmanager.url";
  public static final String ALERTMANAGER_RESEND_INTERVAL = "alertmanager.resend_interval";
  public static final String WEBHOOK_URL = "webhook.url";
  public static final String WEBHOOK_FORMAT = "webhook.format";

  /** {@code webhook.header.NAME=VALUE} adds a request header (the value is a secret). */
  public static final String WEBHOOK_HEADER_PREFIX = "webhook.header.";

  /** The environment variable read for each secret the file does not set. */
  public static final Map<String, String> SECRET_ENV =
      Map.of(
          SLACK_WEBHOOK_URL, "TRAINWATCH_SLACK_WEBHOOK_URL",
          PAGERDUTY_ROUTING_KEY, "TRAINWATCH_PAGERDUTY_ROUTING_KEY",
          ALERTMANAGER_URL, "TRAINWATCH_ALERTMANAGER_URL",
          WEBHOOK_URL, "TRAINWATCH_WEBHOOK_URL");

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  /** Every key but the {@code webhook.header.} family. */
  public static final ConfigDef DEF =
      new ConfigDef()
          .define(
              BRIDGE_TO,
              STRING,
              null,
              ConfigDefs.optional(ValidString.in(wires(Destination.values()))),
              HIGH,
              "slack, pagerduty, alertmanager or webhook (or --to).")
          .define(
              BRIDGE_NAME,
              STRING,
              null,
              matching(NAME),
              MEDIUM,
              "Names the consumer group trainwatch-bridge-NAME and the state topic"
                  + " trainwatch.bridge.NAME.state; default: the destination. Two bridges to the same"
                  + " destination need different names.")
          .define(
              BRIDGE_TOPIC,
              STRING,
              Topics.ALERTS,
              ConfigDefs.topicName(),
              HIGH,
              "The alerts topic to consume.")
          .define(
              BRIDGE_DLQ_TOPIC,
              STRING,
              "trainwatch.alerts.bridge-dlq",
              ConfigDefs.topicName(),
              MEDIUM,
              "Where rejected and unreadable alerts go, with the reason in headers (created if"
                  + " missing).")
          .define(
              BRIDGE_START_FROM,
              STRING,
              "active",
              ValidString.in("active", "latest", "earliest"),
              MEDIUM,
              "Where a consumer group without committed offsets starts: active (the alerts firing"
                  + " now, then new ones), latest (new ones only) or earliest (all history).")
          .define(
              BRIDGE_MAX_PENDING,
              INT,
              10_000,
              Range.atLeast(1),
              LOW,
              "Alerts held in memory (waiting, retrying or parked) before consumption pauses.")
          .define(
              FILTER_MIN_SEVERITY,
              STRING,
              "info",
              ValidString.in("critical", "error", "warning", "info"),
              HIGH,
              "Deliver only alerts at least this severe: critical, error, warning or info.")
          .define(
              FILTER_INCLUDE_RULES,
              LIST,
              "",
              MEDIUM,
              "Comma-separated rules to deliver; empty: all.")
          .define(FILTER_EXCLUDE_RULES, LIST, "", MEDIUM, "Comma-separated rules never to deliver.")
          .define(
              FILTER_INCLUDE_JOBS, LIST, "", MEDIUM, "Comma-separated jobs to deliver; empty: all.")
          .define(FILTER_EXCLUDE_JOBS, LIST, "", MEDIUM, "Comma-separated jobs never to deliver.")
          .define(
              FILTER_INCLUDE_LABELS,
              LIST,
              "",
              labelPairs(),
              MEDIUM,
              "k=v,k=v: deliver only alerts carrying all these labels.")
          .define(
              FILTER_EXCLUDE_LABELS,
              LIST,
              "",
              labelPairs(),
              MEDIUM,
              "k=v,k=v: never deliver alerts carrying any of these labels.")
          .define(
              RETRY_MAX_ATTEMPTS,
              INT,
              6,
              Range.atLeast(1),
              LOW,
              "Attempts after a 5xx/timeout/connection error before parking.")
          .define(
              RETRY_INITIAL_BACKOFF,
              STRING,
              "1s",
              duration(true),
              LOW,
              "Backoff after the first failure; doubles, with jitter.")
          .define(RETRY_MAX_BACKOFF, STRING, "5m", duration(true), LOW, "Cap on any backoff.")
          .define(
              RETRY_PARK_INTERVAL,
              STRING,
              "5m",
              duration(true),
              LOW,
              "How long a parked alert waits before another round.")
          .define(
              RETRY_RATE_LIMIT_BACKOFF,
              STRING,
              "30s",
              duration(true),
              LOW,
              "Pause after a 429 without Retry-After (PagerDuty); doubles per consecutive 429.")
          .define(
              RATE_PER_SECOND,
              DOUBLE,
              null,
              unpacedOrPositive(),
              LOW,
              "Requests per second; default: slack 1, pagerduty 2 (120/min), alertmanager and"
                  + " webhook unpaced (0).")
          .define(
              RATE_BURST,
              INT,
              null,
              ConfigDefs.optional(Range.atLeast(1)),
              LOW,
              "Requests allowed at once; default: slack 3, pagerduty 10, others 1.")
          .define(HTTP_TIMEOUT, STRING, "10s", duration(true), LOW, "Whole-request timeout.")
          .define(
              HTTP_CONNECT_TIMEOUT, STRING, "5s", duration(true), LOW, "TCP/TLS connect timeout.")
          .define(
              LINKS_RUN_URL,
              STRING,
              null,
              MEDIUM,
              "URL template of the run's dashboard; placeholders {run_id} {job} {rule} {alert_id}.")
          .define(
              LINKS_RUNBOOK_URL,
              STRING,
              null,
              MEDIUM,
              "URL template of the rule's runbook, e.g. https://wiki/trainwatch/{rule}.")
          .define(
              SLACK_WEBHOOK_URL,
              PASSWORD,
              null,
              HIGH,
              "Incoming webhook URL (secret; or $TRAINWATCH_SLACK_WEBHOOK_URL).")
          .define(
              SLACK_GROUP_WINDOW,
              STRING,
              "0s",
              duration(false),
              LOW,
              "Collect a burst of alerts for one job for this long into one message; 0s: one"
                  + " message per alert.")
          .define(
              PAGERDUTY_ROUTING_KEY,
              PASSWORD,
              null,
              HIGH,
              "Events API v2 integration key (secret; or $TRAINWATCH_PAGERDUTY_ROUTING_KEY).")
          .define(
              PAGERDUTY_URL,
              STRING,
              "https://events.pagerduty.com/v2/enqueue",
              url(),
              LOW,
              "Events API v2 endpoint.")
          .define(
              ALERTMANAGER_URL,
              PASSWORD,
              null,
              HIGH,
              "Alertmanager base URL, e.g. http://alertmanager:9093 (may hold credentials: a"
                  + " secret; or $TRAINWATCH_ALERTMANAGER_URL).")
          .define(
              ALERTMANAGER_RESEND_INTERVAL,
              STRING,
              "1m",
              duration(true),
              LOW,
              "Re-send firing alerts this often; endsAt is 4 intervals ahead.")
          .define(
              WEBHOOK_URL,
              PASSWORD,
              null,
              HIGH,
              "Where to POST (secret; or $TRAINWATCH_WEBHOOK_URL).")
          .define(
              WEBHOOK_FORMAT,
              STRING,
              "alert",
              ValidString.in("alert", "alertmanager"),
              MEDIUM,
              "alert (the alert JSON) or alertmanager (Alertmanager webhook payload).");

  private BridgeConfigDef() {}

  /** {@code true} if {@code key} is a key of a bridge config file, {@code false} otherwise. */
  public static boolean isKey(String key) {
    return DEF.names().contains(key)
        || (key.startsWith(WEBHOOK_HEADER_PREFIX) && key.length() > WEBHOOK_HEADER_PREFIX.length());
  }

  /**
   * Parses {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 0} or ISO-8601 ({@code
   * PT10S}).
   *
   * @throws IllegalArgumentException if it is none of these
   */
  static Duration parseDuration(String value) {
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
      throw new IllegalArgumentException("not a duration (use e.g. 500ms, 10s, 5m, 1h)", e);
    }
  }

  private static ConfigDef.Validator duration(boolean positive) {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        if (value == null) {
          return;
        }
        Duration d;
        try {
          d = parseDuration(value.toString());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(name, value, e.getMessage());
        }
        if (d.isNegative() || (positive && d.isZero())) {
          throw new ConfigException(name, value, positive ? "must be > 0" : "must be >= 0");
        }
      }

      @Override
      public String toString() {
        return positive ? "a duration > 0 (500ms, 10s, 5m, 1h)" : "a duration (0s, 500ms, 10s)";
      }
    };
  }

  private static ConfigDef.Validator unpacedOrPositive() {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        if (value != null && !(((Double) value) >= 0 && Double.isFinite((Double) value))) {
          throw new ConfigException(name, value, "must be >= 0 (0 = unpaced)");
        }
      }

      @Override
      public String toString() {
        return "[0,...] (0 = unpaced)";
      }
    };
  }

  private static ConfigDef.Validator matching(Pattern pattern) {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        if (value != null && !pattern.matcher(value.toString()).matches()) {
          throw new ConfigException(name, value, "must match " + pattern.pattern());
        }
      }

      @Override
      public String toString() {
        return pattern.pattern();
      }
    };
  }

  private static ConfigDef.Validator labelPairs() {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        for (Object o : (List<?>) value) {
          String s = o.toString();
          if (!s.isBlank() && s.indexOf('=') <= 0) {
            throw new ConfigException(name, value, "'" + s + "' is not label=value");
          }
        }
      }

      @Override
      public String toString() {
        return "label=value,...";
      }
    };
  }

  private static ConfigDef.Validator url() {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        try {
          URI u = new URI(value.toString());
          if (u.getScheme() == null || u.getHost() == null) {
            throw new ConfigException(name, value, "must be an absolute http(s) URL");
          }
        } catch (URISyntaxException e) {
          throw new ConfigException(name, value, "not a URL");
        }
      }

      @Override
      public String toString() {
        return "a URL";
      }
    };
  }

  private static String[] wires(Destination[] values) {
    String[] out = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i].wire();
    }
    return out;
  }
}
