package io.trainwatch.bridge;

import java.time.Duration;

/**
 * What a destination API said about one delivery; the bridge, not the sink, decides what happens
 * next.
 *
 * <ul>
 *   <li>{@link Delivered}: accepted; the record is done.
 *   <li>{@link RateLimited}: 429; nothing is delivered to this destination until the wait is over.
 *   <li>{@link Retryable}: 5xx, timeout or connection error; retried with backoff, then parked.
 *   <li>{@link Rejected}: a 4xx that no retry can fix; the record goes to the dead-letter topic.
 * </ul>
 */
public sealed interface DeliveryResult {

  /** The API accepted the notification. */
  static DeliveryResult delivered() {
    return Delivered.INSTANCE;
  }

  /** HTTP 429 with the API's {@code Retry-After}, or {@code null} if it gave none. */
  static DeliveryResult rateLimited(Duration retryAfter, String reason) {
    return new RateLimited(retryAfter, reason);
  }

  /** A transient failure worth retrying. */
  static DeliveryResult retryable(String reason) {
    return new Retryable(reason);
  }

  /** A permanent failure: the same request would fail again. */
  static DeliveryResult rejected(String reason) {
    return new Rejected(reason);
  }

  /** The API accepted the notification. */
  record Delivered() implements DeliveryResult {
    private static final Delivered INSTANCE = new Delivered();
  }

  /**
   * The API asked us to slow down.
   *
   * @param retryAfter how long the API asked us to wait, or {@code null} if it did not say
   *     (PagerDuty)
   */
  record RateLimited(Duration retryAfter, String reason) implements DeliveryResult {
    public RateLimited {
      if (retryAfter != null && retryAfter.isNegative()) {
        throw new IllegalArgumentException("retryAfter=" + retryAfter + ": must be >= 0");
      }
      requireReason(reason);
    }
  }

  /** A transient failure: 5xx, timeout, connection refused or reset. */
  record Retryable(String reason) implements DeliveryResult {
    public Retryable {
      requireReason(reason);
    }
  }

  /** A permanent failure: a 4xx other than 408 and 429. */
  record Rejected(String reason) implements DeliveryResult {
    public Rejected {
      requireReason(reason);
    }
  }

  private static void requireReason(String reason) {
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("reason: must not be blank");
    }
  }
}
