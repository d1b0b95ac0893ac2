package io.trainwatch.bridge;

import java.time.Duration;
import java.time.Instant;

/**
 * Paces requests to a {@link RatePolicy}; time comes from the caller. Not thread-safe.
 *
 * <p>Credit is kept in nanoseconds of elapsed time (one request costs {@code 1/perSecond} seconds,
 * at most {@code burst} requests' worth is banked), so the arithmetic is exact.
 */
final class TokenBucket {

  private final long costNanos;
  private final long capacityNanos;
  private long creditNanos;
  private Instant refilledAt;

  TokenBucket(RatePolicy policy, Instant now) {
    if (!policy.paced()) {
      throw new IllegalArgumentException("policy " + policy + ": not paced");
    }
    this.costNanos = Math.max(1, Math.round(1e9 / policy.perSecond()));
    this.capacityNanos = costNanos * policy.burst();
    this.creditNanos = capacityNanos;
    this.refilledAt = now;
  }

  /** When the next request may go out: {@code now} or later. */
  Instant availableAt(Instant now) {
    refill(now);
    return creditNanos >= costNanos ? now : now.plusNanos(costNanos - creditNanos);
  }

  /** Spends one request; call only when {@link #availableAt} is not in the future. */
  void take(Instant now) {
    refill(now);
    if (creditNanos < costNanos) {
      throw new IllegalStateException("no request available at " + now);
    }
    creditNanos -= costNanos;
  }

  private void refill(Instant now) {
    if (now.isAfter(refilledAt)) {
      long elapsed = Duration.between(refilledAt, now).toNanos();
      creditNanos =
          elapsed >= capacityNanos ? capacityNanos : Math.min(capacityNanos, creditNanos + elapsed);
      refilledAt = now;
    }
  }
}
