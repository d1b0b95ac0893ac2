package io.trainwatch.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.schemas.Alert;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Sends each alert emission as one PagerDuty Events API v2 event. */
final class PagerDutySink implements Sink {

  private final DestinationSettings.PagerDuty settings;
  private final PagerDutyEvent events;
  private final HttpPoster http;
  private final Clock clock;

  PagerDutySink(
      DestinationSettings.PagerDuty settings, LinkTemplates links, HttpPoster http, Clock clock) {
    this.settings = settings;
    this.events = new PagerDutyEvent(settings.routingKey().value(), links);
    this.http = http;
    this.clock = clock;
  }

  @Override
  public DeliveryResult deliver(Alert alert) {
    HttpReply reply;
    try {
      reply = http.postJson(settings.url(), BridgeJson.bytes(events.build(alert)), Map.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return DeliveryResult.retryable("PagerDuty: interrupted before an answer");
    }
    if (reply.status() == 400) {
      return DeliveryResult.rejected(
          "PagerDuty rejected the event (HTTP 400): " + errors(reply.body()));
    }
    return reply.classify("PagerDuty", clock);
  }

  /** PagerDuty's 400 body: {@code {"status":"invalid event","message":"...","errors":["..."]}}. */
  private static String errors(String body) {
    try {
      JsonNode n = BridgeJson.MAPPER.readTree(body);
      List<String> parts = new ArrayList<>();
      if (n.hasNonNull("message")) {
        parts.add(n.get("message").asText());
      }
      n.path("errors").forEach(e -> parts.add(e.asText()));
      if (!parts.isEmpty()) {
        return HttpReply.oneLine(String.join("; ", parts));
      }
    } catch (IOException | RuntimeException notJson) {
      // fall through to the raw body
    }
    return body.isBlank() ? "(no body)" : HttpReply.oneLine(body);
  }
}
