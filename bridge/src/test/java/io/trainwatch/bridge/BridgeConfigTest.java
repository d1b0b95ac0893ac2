package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeConfigTest {

  private static final String SLACK_URL =
      "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx";
  private static final String ROUTING_KEY = "R0123456789abcdef0123456789abcd";

  @Test
  void shouldApplyDocumentedDefaultsForSlack() {
    BridgeConfig c =
        BridgeConfig.parse(Map.of("slack.webhook_url", SLACK_URL), Map.of(), Destination.SLACK);

    assertThat(c.name()).isEqualTo("slack");
    assertThat(c.groupId()).isEqualTo("trainwatch-bridge-slack");
    assertThat(c.stateTopic()).isEqualTo("trainwatch.bridge.slack.state");
    assertThat(c.topic()).isEqualTo("trainwatch.alerts");
    assertThat(c.dlqTopic()).isEqualTo("trainwatch.alerts.bridge-dlq");
    assertThat(c.startFrom()).isEqualTo(BridgeConfig.StartFrom.ACTIVE);
    assertThat(c.rate()).isEqualTo(new RatePolicy(1, 3));
    assertThat(c.retry()).isEqualTo(RetryPolicy.defaults());
    assertThat(c.httpTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.filter()).isEqualTo(AlertFilter.all());
    assertThat(c.destinationSettings())
        .isEqualTo(new DestinationSettings.Slack(Secret.url(SLACK_URL), Duration.ZERO));
  }

  @Test
  void shouldPutTheTopicPrefixInFrontOfEveryKafkaName() {
    BridgeConfig c =
        BridgeConfig.parse(
                Map.of("slack.webhook_url", SLACK_URL, "bridge.topic", "ml.alerts"),
                Map.of(),
                Destination.SLACK)
            .withTopicPrefix("team-a.");

    assertThat(c.topic()).isEqualTo("team-a.ml.alerts");
    assertThat(c.dlqTopic()).isEqualTo("team-a.trainwatch.alerts.bridge-dlq");
    assertThat(c.stateTopic()).isEqualTo("team-a.trainwatch.bridge.slack.state");
    assertThat(c.groupId()).isEqualTo("team-a.trainwatch-bridge-slack");
    assertThat(c.withTopicPrefix("")).isSameAs(c);
    assertThat(c.toString()).doesNotContain(SLACK_URL);
  }

  @Test
  void shouldParseEveryKey() {
    Map<String, String> p = new HashMap<>();
    p.put("bridge.to", "pagerduty");
    p.put("bridge.name", "pd-vision");
    p.put("bridge.topic", "alerts");
    p.put("bridge.dlq_topic", "alerts.dlq");
    p.put("bridge.start_from", "earliest");
    p.put("bridge.max_pending", "50");
    p.put("filter.min_severity", "error");
    p.put("filter.include_rules", "negative_loss, nan_loss");
    p.put("filter.exclude_rules", "loss_plateau");
    p.put("filter.include_jobs", "cifar");
    p.put("filter.exclude_jobs", "scratch");
    p.put("filter.include_labels", "team=vision, env=prod");
    p.put("filter.exclude_labels", "tier=dev");
    p.put("retry.max_attempts", "3");
    p.put("retry.initial_backoff", "250ms");
    p.put("retry.max_backoff", "PT2S");
    p.put("retry.park_interval", "1m");
    p.put("retry.rate_limit_backoff", "1500ms");
    p.put("rate.per_second", "0.5");
    p.put("rate.burst", "4");
    p.put("http.timeout", "3s");
    p.put("http.connect_timeout", "1s");
    p.put("links.run_url", "https://mlflow.example.com/#/runs/{run_id}");
    p.put("links.runbook_url", "https://wiki.example.com/trainwatch/{rule}");
    p.put("pagerduty.routing_key", ROUTING_KEY);
    p.put("pagerduty.url", "http://127.0.0.1:9/v2/enqueue");

    BridgeConfig c = BridgeConfig.parse(p, Map.of(), null);

    assertThat(c.destination()).isEqualTo(Destination.PAGERDUTY);
    assertThat(c.name()).isEqualTo("pd-vision");
    assertThat(c.stateTopic()).isEqualTo("trainwatch.bridge.pd-vision.state");
    assertThat(c.topic()).isEqualTo("alerts");
    assertThat(c.dlqTopic()).isEqualTo("alerts.dlq");
    assertThat(c.startFrom()).isEqualTo(BridgeConfig.StartFrom.EARLIEST);
    assertThat(c.maxPending()).isEqualTo(50);
    assertThat(c.filter())
        .isEqualTo(
            new AlertFilter(
                Severity.ERROR,
                Set.of("negative_loss", "nan_loss"),
                Set.of("loss_plateau"),
                Set.of("cifar"),
                Set.of("scratch"),
                Map.of("team", "vision", "env", "prod"),
                Map.of("tier", "dev")));
    assertThat(c.retry())
        .isEqualTo(
            new RetryPolicy(
                3,
                Duration.ofMillis(250),
                Duration.ofSeconds(2),
                Duration.ofMinutes(1),
                Duration.ofMillis(1500)));
    assertThat(c.rate()).isEqualTo(new RatePolicy(0.5, 4));
    assertThat(c.httpTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.httpConnectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.links())
        .isEqualTo(
            new LinkTemplates(
                "https://mlflow.example.com/#/runs/{run_id}",
                "https://wiki.example.com/trainwatch/{rule}"));
    DestinationSettings.PagerDuty pd = (DestinationSettings.PagerDuty) c.destinationSettings();
    assertThat(pd.routingKey().value()).isEqualTo(ROUTING_KEY);
    assertThat(pd.url()).hasToString("http://127.0.0.1:9/v2/enqueue");
  }

  @Test
  void shouldRefuseUnknownKeyNamingIt() {
    assertThatThrownBy(
            () ->
                BridgeConfig.parse(
                    Map.of("slack.webhook_url", SLACK_URL, "slack.webhok", "x"),
                    Map.of(),
                    Destination.SLACK))
        .isInstanceOf(BridgeConfigException.class)
        .hasMessageStartingWith("slack.webhok: unknown key");
  }

  @Test
  void shouldRefuseInvalidValuesNamingTheKey() {
    assertThatThrownBy(() -> slackWith("retry.max_attempts", "0"))
        .hasMessage("retry.max_attempts=0: must be >= 1");
    assertThatThrownBy(() -> slackWith("retry.initial_backoff", "10"))
        .hasMessage("retry.initial_backoff=10: not a duration (use e.g. 500ms, 10s, 5m, 1h)");
    assertThatThrownBy(() -> slackWith("filter.min_severity", "fatal"))
        .hasMessage("filter.min_severity=fatal: must be one of critical, error, warning, info");
    assertThatThrownBy(() -> slackWith("bridge.start_from", "middle"))
        .hasMessage("bridge.start_from=middle: must be one of active, latest, earliest");
    assertThatThrownBy(() -> slackWith("filter.include_labels", "team"))
        .hasMessage("filter.include_labels=team: 'team' is not label=value");
    assertThatThrownBy(() -> slackWith("rate.per_second", "-1"))
        .hasMessage("rate.per_second=-1: must be >= 0 (0 = unpaced)");
    assertThatThrownBy(() -> slackWith("links.run_url", "https://x.example.com/{run}"))
        .hasMessage(
            "links.run_url=https://x.example.com/{run}: unknown placeholder {run} (use {run_id}, {job},"
                + " {rule}, {alert_id})");
    assertThatThrownBy(() -> slackWith("retry.max_attempts", "many"))
        .hasMessage("retry.max_attempts=many: must be an integer");
    assertThatThrownBy(() -> slackWith("http.timeout", "0s"))
        .hasMessage("http.timeout=0s: must be > 0");
    assertThatThrownBy(() -> slackWith("bridge.topic", "alerts/prod"))
        .hasMessage(
            "bridge.topic=alerts/prod: must be a topic name (1 to 249 of a-z A-Z 0-9 . _ -)");
    assertThatThrownBy(() -> slackWith("retry.max_backoff", "100ms"))
        .hasMessage("retry.max_backoff=100ms: must be >= retry.initial_backoff (1s)");
    assertThatThrownBy(() -> slackWith("retry.rate_limit_backoff", "10m"))
        .hasMessage("retry.rate_limit_backoff=10m: must be <= retry.max_backoff (5m)");
    assertThatThrownBy(() -> slackWith("bridge.name", "Slack Prod"))
        .hasMessageStartingWith("bridge.name=Slack Prod: must match");
    assertThatThrownBy(
            () ->
                BridgeConfig.parse(
                    Map.of("slack.webhook_url", "hooks.slack.com/x"), Map.of(), Destination.SLACK))
        .hasMessage("slack.webhook_url=***: must be an absolute http(s) URL");
  }

  @Test
  void shouldRequireTheDestinationSecretNamingKeyAndEnvironmentVariable() {
    assertThatThrownBy(() -> BridgeConfig.parse(Map.of(), Map.of(), Destination.PAGERDUTY))
        .isInstanceOf(BridgeConfigException.class)
        .hasMessage(
            "pagerduty.routing_key: required (in the config file or $TRAINWATCH_PAGERDUTY_ROUTING_KEY)");
  }

  @Test
  void shouldTakeSecretsFromTheEnvironmentWhenTheFileHasNone() {
    BridgeConfig c =
        BridgeConfig.parse(
            Map.of(), Map.of("TRAINWATCH_SLACK_WEBHOOK_URL", SLACK_URL), Destination.SLACK);

    assertThat(((DestinationSettings.Slack) c.destinationSettings()).webhookUrl().value())
        .isEqualTo(SLACK_URL);
  }

  @Test
  void shouldPreferTheFileOverTheEnvironment() {
    BridgeConfig c =
        BridgeConfig.parse(
            Map.of("webhook.url", "https://a.example.com/hook"),
            Map.of("TRAINWATCH_WEBHOOK_URL", "https://b.example.com/hook"),
            Destination.WEBHOOK);

    assertThat(((DestinationSettings.Webhook) c.destinationSettings()).url().value())
        .isEqualTo("https://a.example.com/hook");
  }

  @Test
  void shouldRefuseConflictingDestinations() {
    assertThatThrownBy(
            () ->
                BridgeConfig.parse(
                    Map.of("bridge.to", "slack", "slack.webhook_url", SLACK_URL),
                    Map.of(),
                    Destination.PAGERDUTY))
        .hasMessage("bridge.to=slack: the command line says --to pagerduty; drop one");
    assertThatThrownBy(() -> BridgeConfig.parse(Map.of(), Map.of(), null))
        .hasMessage("bridge.to: required (or --to slack|pagerduty|alertmanager|webhook)");
    assertThatThrownBy(() -> BridgeConfig.parse(Map.of("bridge.to", "email"), Map.of(), null))
        .hasMessage("bridge.to=email: must be one of slack, pagerduty, alertmanager, webhook");
  }

  @Test
  void shouldNeverShowSecretsInToStringOrErrors() {
    BridgeConfig c =
        BridgeConfig.parse(Map.of("slack.webhook_url", SLACK_URL), Map.of(), Destination.SLACK);
    BridgeConfig pd =
        BridgeConfig.parse(
            Map.of("pagerduty.routing_key", ROUTING_KEY), Map.of(), Destination.PAGERDUTY);

    assertThat(c.toString())
        .doesNotContain("abcdefghijklmnopqrstuvwx")
        .contains("https://hooks.slack.com/services/***");
    assertThat(pd.toString()).doesNotContain(ROUTING_KEY).contains("***");
    assertThatThrownBy(
            () ->
                BridgeConfig.parse(
                    Map.of("webhook.url", "ftp://user:pw@host/secret-token-123"),
                    Map.of(),
                    Destination.WEBHOOK))
        .message()
        .doesNotContain("pw")
        .doesNotContain("secret-token-123");
  }

  @Test
  void shouldReadWebhookFormatAndHeaders() {
    BridgeConfig c =
        BridgeConfig.parse(
            Map.of(
                "webhook.url",
                "https://hooks.example.com/in",
                "webhook.format",
                "alertmanager",
                "webhook.header.Authorization",
                "Bearer s3cr3t-t0ken"),
            Map.of(),
            Destination.WEBHOOK);

    DestinationSettings.Webhook w = (DestinationSettings.Webhook) c.destinationSettings();
    assertThat(w.format()).isEqualTo(DestinationSettings.WebhookFormat.ALERTMANAGER);
    assertThat(w.headers().get("Authorization").value()).isEqualTo("Bearer s3cr3t-t0ken");
    assertThat(c.toString()).doesNotContain("s3cr3t-t0ken");
    assertThat(c.redactor().redact("failed with Bearer s3cr3t-t0ken")).isEqualTo("failed with ***");
    assertThatThrownBy(
            () ->
                BridgeConfig.parse(
                    Map.of(
                        "webhook.url",
                        "https://h.example.com/in",
                        "webhook.header.Content-Type",
                        "text/plain"),
                    Map.of(),
                    Destination.WEBHOOK))
        .hasMessage("webhook.header.Content-Type: the bridge sets Content-Type itself");
  }

  @Test
  void shouldDeriveAlertmanagerEndpointAndLease() {
    BridgeConfig c =
        BridgeConfig.parse(
            Map.of(
                "alertmanager.url",
                "http://am.example.com:9093",
                "alertmanager.resend_interval",
                "30s"),
            Map.of(),
            Destination.ALERTMANAGER);

    DestinationSettings.Alertmanager am =
        (DestinationSettings.Alertmanager) c.destinationSettings();
    assertThat(am.alertsEndpoint()).hasToString("http://am.example.com:9093/api/v2/alerts");
    assertThat(am.lease()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.rate().paced()).isFalse();
  }

  @Test
  void shouldLoadAPropertiesFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("pd.properties");
    Files.writeString(
        f,
        "# PagerDuty for the vision team\nbridge.to = pagerduty\npagerduty.routing_key = "
            + ROUTING_KEY
            + "\nfilter.min_severity = critical\n");

    BridgeConfig c = BridgeConfig.load(f, Map.of(), null);

    assertThat(c.destination()).isEqualTo(Destination.PAGERDUTY);
    assertThat(c.filter().minSeverity()).isEqualTo(Severity.CRITICAL);
    assertThatThrownBy(() -> BridgeConfig.load(dir.resolve("missing.properties"), Map.of(), null))
        .hasMessageStartingWith(
            "config file " + dir.resolve("missing.properties") + ": cannot read");
  }

  private static BridgeConfig slackWith(String key, String value) {
    return BridgeConfig.parse(
        Map.of("slack.webhook_url", SLACK_URL, key, value), Map.of(), Destination.SLACK);
  }
}
