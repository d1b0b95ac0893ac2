package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;

/**
 * One destination API. A sink turns an alert into that API's request, sends it and classifies the
 * answer; it never retries, sleeps or logs secrets: ordering, retries, pacing and dead-lettering
 * are the bridge's job.
 */
public interface Sink {

  /** Sends one notification for {@code alert}; never throws for HTTP or network failures. */
  DeliveryResult deliver(Alert alert);
}
