package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * POSTs each alert to any URL, as the contract's alert JSON or as Alertmanager's webhook payload.
 * Any 2xx is success; 408, 429 and 5xx are retried; any other 4xx is rejected.
 */
final class WebhookSink implements Sink {

  private final URI url;
  private final DestinationSettings.WebhookFormat format;
  private final Map<String, String> headers;
  private final AlertmanagerPayloads payloads;
  private final String receiver;
  private final HttpPoster http;
  private final Clock clock;

  WebhookSink(
      DestinationSettings.Webhook settings,
      String bridgeName,
      LinkTemplates links,
      HttpPoster http,
      Clock clock) {
    this.url = URI.create(settings.url().value());
    this.format = settings.format();
    Map<String, String> h = new LinkedHashMap<>();
    settings.headers().forEach((k, v) -> h.put(k, v.value()));
    this.headers = Map.copyOf(h);
    this.payloads = new AlertmanagerPayloads(links);
    this.receiver = bridgeName;
    this.http = http;
    this.clock = clock;
  }

  @Override
  public DeliveryResult deliver(Alert alert) {
    byte[] body =
        switch (format) {
          case ALERT -> AlertCodec.encode(alert);
          case ALERTMANAGER -> BridgeJson.bytes(payloads.webhookPayload(List.of(alert), receiver));
        };
    try {
      return http.postJson(url, body, headers).classify("webhook", clock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return DeliveryResult.retryable("webhook: interrupted before an answer");
    }
  }
}
