package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import java.util.List;
import java.util.Optional;

/**
 * A destination that takes several alerts in one request: a grouped Slack message, an Alertmanager
 * alert list. The bridge uses it for Slack's grouping window and for Alertmanager's periodic
 * re-sends.
 */
public interface BatchSink extends Sink {

  /**
   * Sends one notification carrying all {@code alerts} (at least one); never throws for HTTP
   * failures.
   */
  DeliveryResult deliverAll(List<Alert> alerts);

  @Override
  default Optional<BatchSink> batching() {
    return Optional.of(this);
  }

  @Override
  default DeliveryResult deliver(Alert alert) {
    return deliverAll(List.of(alert));
  }
}
