package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Posts Block Kit messages to a Slack incoming webhook. Slack answers 200 {@code ok}, or an error
 * string such as {@code invalid_blocks}, {@code no_service} or {@code channel_is_archived} with a
 * 4xx (rejected: no retry can fix it), or 429 with {@code Retry-After} seconds.
 */
final class SlackSink implements BatchSink {

  private final URI webhook;
  private final SlackMessage messages;
  private final HttpPoster http;
  private final Clock clock;

  SlackSink(DestinationSettings.Slack settings, LinkTemplates links, HttpPoster http, Clock clock) {
    this.webhook = URI.create(settings.webhookUrl().value());
    this.messages = new SlackMessage(links);
    this.http = http;
    this.clock = clock;
  }

  @Override
  public DeliveryResult deliverAll(List<Alert> alerts) {
    try {
      return http.postJson(webhook, BridgeJson.bytes(messages.build(alerts)), Map.of())
          .classify("Slack", clock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return DeliveryResult.retryable("Slack: interrupted before an answer");
    }
  }
}
