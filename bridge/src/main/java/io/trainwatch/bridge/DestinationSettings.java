package io.trainwatch.bridge;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What one destination needs beyond the common bridge settings. */
public sealed interface DestinationSettings {

  /** The destination these settings are for. */
  Destination destination();

  /** Everything that must be redacted from logs. */
  List<Secret> secrets();

  /** Where requests go, as logs may show it. */
  String describe();

  /**
   * Slack incoming webhook.
   *
   * @param webhookUrl {@code https://hooks.slack.com/services/...}
   * @param groupWindow how long to collect a burst of alerts for one job into one message; zero
   *     sends each at once
   */
  record Slack(Secret webhookUrl, Duration groupWindow) implements DestinationSettings {
    public Slack {
      requireUrl("slack.webhook_url", webhookUrl);
      if (groupWindow == null || groupWindow.isNegative()) {
        throw new IllegalArgumentException("slack.group_window=" + groupWindow + ": must be >= 0");
      }
    }

    @Override
    public Destination destination() {
      return Destination.SLACK;
    }

    @Override
    public List<Secret> secrets() {
      return List.of(webhookUrl);
    }

    @Override
    public String describe() {
      return webhookUrl.display();
    }
  }

  /**
   * PagerDuty Events API v2.
   *
   * @param routingKey the integration key; the same for trigger and resolve, or PagerDuty drops the
   *     resolve
   * @param url the enqueue endpoint, {@code https://events.pagerduty.com/v2/enqueue} unless testing
   */
  record PagerDuty(Secret routingKey, URI url) implements DestinationSettings {
    public PagerDuty {
      if (routingKey == null) {
        throw new IllegalArgumentException("pagerduty.routing_key: required");
      }
      requireHttp("pagerduty.url", url);
    }

    @Override
    public Destination destination() {
      return Destination.PAGERDUTY;
    }

    @Override
    public List<Secret> secrets() {
      return List.of(routingKey);
    }

    @Override
    public String describe() {
      return url + " (routing key " + routingKey + ")";
    }
  }

  /**
   * Alertmanager API v2.
   *
   * @param baseUrl e.g. {@code http://alertmanager:9093}; alerts are posted to {@code
   *     /api/v2/alerts} under it
   * @param resendInterval how often firing alerts are re-sent; Alertmanager resolves an alert that
   *     is not re-sent before its {@code endsAt}, which the bridge sets to four resend intervals
   *     ahead (as Prometheus does)
   */
  record Alertmanager(Secret baseUrl, Duration resendInterval) implements DestinationSettings {
    public Alertmanager {
      requireUrl("alertmanager.url", baseUrl);
      if (resendInterval == null || resendInterval.isZero() || resendInterval.isNegative()) {
        throw new IllegalArgumentException(
            "alertmanager.resend_interval=" + resendInterval + ": must be > 0");
      }
    }

    /** The v2 alerts endpoint. */
    public URI alertsEndpoint() {
      String base = baseUrl.value().endsWith("/") ? baseUrl.value() : baseUrl.value() + "/";
      return URI.create(base + "api/v2/alerts");
    }

    /** How long a firing alert stays firing in Alertmanager without a re-send. */
    public Duration lease() {
      return resendInterval.multipliedBy(4);
    }

    @Override
    public Destination destination() {
      return Destination.ALERTMANAGER;
    }

    @Override
    public List<Secret> secrets() {
      return List.of(baseUrl);
    }

    @Override
    public String describe() {
      return baseUrl.display();
    }
  }

  /**
   * Any HTTP endpoint.
   *
   * @param url where to POST
   * @param format the body: the alert JSON of the contract, or Alertmanager's webhook payload
   * @param headers extra request headers (e.g. {@code Authorization}); values are secrets
   */
  record Webhook(Secret url, WebhookFormat format, Map<String, Secret> headers)
      implements DestinationSettings {
    public Webhook {
      requireUrl("webhook.url", url);
      if (format == null) {
        throw new IllegalArgumentException("webhook.format: required");
      }
      headers = Map.copyOf(headers);
    }

    @Override
    public Destination destination() {
      return Destination.WEBHOOK;
    }

    @Override
    public List<Secret> secrets() {
      java.util.ArrayList<Secret> all = new java.util.ArrayList<>(headers.values());
      all.add(url);
      return List.copyOf(all);
    }

    @Override
    public String describe() {
      return url.display() + " (" + format.wire() + " format)";
    }
  }

  /** The body a webhook receives. */
  enum WebhookFormat {
    /** The alert JSON exactly as on {@code trainwatch.alerts}. */
    ALERT,
    /**
     * Alertmanager's webhook payload (version 4), so Alertmanager webhook receivers work unchanged.
     */
    ALERTMANAGER;

    /** The config spelling. */
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses the config spelling. */
    public static WebhookFormat fromWire(String s) {
      for (WebhookFormat f : values()) {
        if (f.wire().equals(s)) {
          return f;
        }
      }
      throw new IllegalArgumentException("'" + s + "': not one of alert, alertmanager");
    }
  }

  private static void requireUrl(String key, Secret url) {
    if (url == null) {
      throw new IllegalArgumentException(key + ": required");
    }
    URI u;
    try {
      u = new URI(url.value());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(key + "=" + url + ": not a URL", e);
    }
    if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
      throw new IllegalArgumentException(key + "=" + url + ": must be an absolute http(s) URL");
    }
  }

  private static void requireHttp(String key, URI u) {
    if (u == null
        || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
        || u.getHost() == null) {
      throw new IllegalArgumentException(key + "=" + u + ": must be an absolute http(s) URL");
    }
  }
}
