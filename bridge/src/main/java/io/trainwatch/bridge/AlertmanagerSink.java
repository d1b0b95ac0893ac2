package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Posts alerts to Alertmanager's API v2 ({@code POST /api/v2/alerts}), which answers 200 with an
 * empty body, or 400 with a JSON string naming the invalid field. Routing, grouping, inhibition and
 * silences then happen in Alertmanager.
 */
final class AlertmanagerSink implements BatchSink {

  private final URI endpoint;
  private final Duration lease;
  private final AlertmanagerPayloads payloads;
  private final HttpPoster http;
  private final Clock clock;

  AlertmanagerSink(
      DestinationSettings.Alertmanager settings,
      LinkTemplates links,
      HttpPoster http,
      Clock clock) {
    this.endpoint = settings.alertsEndpoint();
    this.lease = settings.lease();
    this.payloads = new AlertmanagerPayloads(links);
    this.http = http;
    this.clock = clock;
  }

  @Override
  public DeliveryResult deliverAll(List<Alert> alerts) {
    byte[] body = BridgeJson.bytes(payloads.postableAlerts(alerts, clock.instant(), lease));
    try {
      return http.postJson(endpoint, body, Map.of()).classify("Alertmanager", clock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return DeliveryResult.retryable("Alertmanager: interrupted before an answer");
    }
  }
}
