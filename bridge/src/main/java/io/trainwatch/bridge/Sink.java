package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import java.util.Optional;

/**
 * One destination API. A sink turns an alert into that API's request, sends it and classifies the
 * answer; it never retries, sleeps or logs secrets: ordering, retries, pacing and dead-lettering
 * are the bridge's job.
 */
public interface Sink {

  /** Sends one notification for {@code alert}; never throws for HTTP or network failures. */
  DeliveryResult deliver(Alert alert);

  /**
   * This sink as one that takes several alerts per request, if it does: the bridge groups (Slack)
   * and re-sends lists (Alertmanager) only through it, instead of casting.
   */
  default Optional<BatchSink> batching() {
    return Optional.empty();
  }
}
