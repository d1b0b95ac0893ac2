package io.trainwatch.bridge;

import io.trainwatch.schemas.Topics;

/**
 * Every key of a bridge config file, with its default and meaning: the one place they are spelled.
 * Secrets may come from the environment instead ({@link #envVar()}); a value in the file wins.
 */
public enum ConfigKey {
  BRIDGE_TO("bridge.to", null, "slack, pagerduty, alertmanager or webhook (or --to)"),
  BRIDGE_NAME(
      "bridge.name",
      null,
      "names the consumer group trainwatch-bridge-NAME and the state topic trainwatch.bridge.NAME.state;"
          + " default: the destination. Two bridges to the same destination need different names"),
  BRIDGE_TOPIC("bridge.topic", Topics.ALERTS, "the alerts topic to consume"),
  BRIDGE_DLQ_TOPIC(
      "bridge.dlq_topic",
      "trainwatch.alerts.bridge-dlq",
      "where rejected and unreadable alerts go, with the reason in headers (created if missing)"),
  BRIDGE_START_FROM(
      "bridge.start_from",
      "latest",
      "where a new consumer group starts: latest (do not page for history) or earliest"),
  BRIDGE_MAX_PENDING(
      "bridge.max_pending",
      "10000",
      "alerts held in memory (waiting, retrying or parked) before consumption pauses"),
  FILTER_MIN_SEVERITY(
      "filter.min_severity",
      "info",
      "deliver only alerts at least this severe: critical, error," + " warning or info"),
  FILTER_INCLUDE_RULES("filter.include_rules", "", "comma-separated rules to deliver; empty: all"),
  FILTER_EXCLUDE_RULES("filter.exclude_rules", "", "comma-separated rules never to deliver"),
  FILTER_INCLUDE_JOBS("filter.include_jobs", "", "comma-separated jobs to deliver; empty: all"),
  FILTER_EXCLUDE_JOBS("filter.exclude_jobs", "", "comma-separated jobs never to deliver"),
  FILTER_INCLUDE_LABELS(
      "filter.include_labels", "", "k=v,k=v: deliver only alerts carrying all these labels"),
  FILTER_EXCLUDE_LABELS(
      "filter.exclude_labels", "", "k=v,k=v: never deliver alerts carrying any of these labels"),
  RETRY_MAX_ATTEMPTS(
      "retry.max_attempts", "6", "attempts after a 5xx/timeout/connection error before parking"),
  RETRY_INITIAL_BACKOFF(
      "retry.initial_backoff", "1s", "backoff after the first failure; doubles, with jitter"),
  RETRY_MAX_BACKOFF("retry.max_backoff", "5m", "cap on any backoff"),
  RETRY_PARK_INTERVAL(
      "retry.park_interval", "5m", "how long a parked alert waits before another round"),
  RETRY_RATE_LIMIT_BACKOFF(
      "retry.rate_limit_backoff",
      "30s",
      "pause after a 429 without Retry-After (PagerDuty); doubles per consecutive 429"),
  RATE_PER_SECOND(
      "rate.per_second",
      null,
      "requests per second; default: slack 1, pagerduty 2 (120/min), alertmanager and webhook unpaced (0)"),
  RATE_BURST(
      "rate.burst", null, "requests allowed at once; default: slack 3, pagerduty 10, others 1"),
  HTTP_TIMEOUT("http.timeout", "10s", "whole-request timeout"),
  HTTP_CONNECT_TIMEOUT("http.connect_timeout", "5s", "TCP/TLS connect timeout"),
  LINKS_RUN_URL(
      "links.run_url",
      null,
      "URL template of the run's dashboard; placeholders {run_id} {job} {rule} {alert_id}"),
  LINKS_RUNBOOK_URL(
      "links.runbook_url",
      null,
      "URL template of the rule's runbook, e.g. https://wiki/trainwatch/{rule}"),
  SLACK_WEBHOOK_URL(
      "slack.webhook_url", null, "incoming webhook URL (secret)", "TRAINWATCH_SLACK_WEBHOOK_URL"),
  SLACK_GROUP_WINDOW(
      "slack.group_window",
      "0s",
      "collect a burst of alerts for one job for this long into one message; 0s: one message per alert"),
  PAGERDUTY_ROUTING_KEY(
      "pagerduty.routing_key",
      null,
      "Events API v2 integration key (secret)",
      "TRAINWATCH_PAGERDUTY_ROUTING_KEY"),
  PAGERDUTY_URL(
      "pagerduty.url", "https://events.pagerduty.com/v2/enqueue", "Events API v2 endpoint"),
  ALERTMANAGER_URL(
      "alertmanager.url",
      null,
      "Alertmanager base URL, e.g. http://alertmanager:9093 (may hold"
          + " credentials: treated as a secret)",
      "TRAINWATCH_ALERTMANAGER_URL"),
  ALERTMANAGER_RESEND_INTERVAL(
      "alertmanager.resend_interval",
      "1m",
      "re-send firing alerts this often; endsAt is 4 intervals ahead"),
  WEBHOOK_URL("webhook.url", null, "where to POST (secret)", "TRAINWATCH_WEBHOOK_URL"),
  WEBHOOK_FORMAT(
      "webhook.format",
      "alert",
      "alert (the alert JSON) or alertmanager (Alertmanager webhook payload)"),
  WEBHOOK_HEADER(
      "webhook.header.",
      null,
      "webhook.header.NAME=VALUE adds a request header, e.g."
          + " webhook.header.Authorization=Bearer ... (secret)");

  private final String key;
  private final String defaultValue;
  private final String doc;
  private final String envVar;

  ConfigKey(String key, String defaultValue, String doc) {
    this(key, defaultValue, doc, null);
  }

  ConfigKey(String key, String defaultValue, String doc, String envVar) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.doc = doc;
    this.envVar = envVar;
  }

  /** The key as written in the file; for {@link #WEBHOOK_HEADER} the prefix. */
  public String key() {
    return key;
  }

  /** The default, or {@code null} if there is none or it depends on the destination. */
  public String defaultValue() {
    return defaultValue;
  }

  /** What the key means. */
  public String doc() {
    return doc;
  }

  /** The environment variable read when the file does not set this secret, or {@code null}. */
  public String envVar() {
    return envVar;
  }

  /** {@code true} if this key is a prefix for a family of keys, {@code false} otherwise. */
  public boolean isPrefix() {
    return key.endsWith(".");
  }

  /** The key a config file line names, or {@code null} if unknown. */
  static ConfigKey lookup(String name) {
    for (ConfigKey k : values()) {
      if (k.isPrefix()
          ? name.startsWith(k.key) && name.length() > k.key.length()
          : k.key.equals(name)) {
        return k;
      }
    }
    return null;
  }
}
