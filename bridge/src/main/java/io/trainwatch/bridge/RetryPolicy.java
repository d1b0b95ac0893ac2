package io.trainwatch.bridge;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How the bridge retries a failed delivery.
 *
 * <p>A transient failure (5xx, timeout, connection error) is retried after an exponentially
 * growing, jittered backoff; after {@code maxAttempts} failures in a row the alert is parked for
 * {@code parkInterval} (other alerts go on being delivered meanwhile), then gets another round of
 * attempts. A 429 without {@code Retry-After} pauses the whole destination for {@code
 * rateLimitBackoff}, doubling on each consecutive 429.
 *
 * @param maxAttempts attempts per round before parking, at least 1
 * @param initialBackoff the backoff after the first failure
 * @param maxBackoff the cap on any backoff, including the 429 backoff
 * @param parkInterval how long a parked alert waits before its next round of attempts
 * @param rateLimitBackoff the first pause after a 429 that carried no {@code Retry-After}
 */
public record RetryPolicy(
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration parkInterval,
    Duration rateLimitBackoff) {

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts=" + maxAttempts + ": must be >= 1");
    }
    requirePositive("initialBackoff", initialBackoff);
    requirePositive("maxBackoff", maxBackoff);
    requirePositive("parkInterval", parkInterval);
    requirePositive("rateLimitBackoff", rateLimitBackoff);
    if (maxBackoff.compareTo(initialBackoff) < 0 || maxBackoff.compareTo(rateLimitBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff="
              + maxBackoff
              + ": must be >= initialBackoff "
              + initialBackoff
              + " and rateLimitBackoff "
              + rateLimitBackoff);
    }
  }

  /**
   * 6 attempts from 1 s (about 31 s in all), park 5 min, 30 s after a bare 429 (PagerDuty's
   * advice).
   */
  public static RetryPolicy defaults() {
    return new RetryPolicy(
        6,
        Duration.ofSeconds(1),
        Duration.ofMinutes(5),
        Duration.ofMinutes(5),
        Duration.ofSeconds(30));
  }

  /**
   * The wait after the {@code failures}-th failure in a row: half of {@code initialBackoff *
   * 2^(failures-1)} (capped) plus a random part up to the other half, so that many alerts failing
   * together do not retry in lockstep.
   */
  public Duration backoff(int failures, RandomGenerator random) {
    long ceiling = exponential(initialBackoff, failures).toMillis();
    long half = ceiling / 2;
    return Duration.ofMillis(
        half + (ceiling - half == 0 ? 0 : random.nextLong(ceiling - half + 1)));
  }

  /**
   * The pause after the {@code consecutive}-th 429 in a row that carried no {@code Retry-After}.
   */
  public Duration rateLimitWait(int consecutive) {
    return exponential(rateLimitBackoff, consecutive);
  }

  private Duration exponential(Duration base, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n=" + n + ": must be >= 1");
    }
    int doublings = Math.min(n - 1, 30);
    Duration d = base.multipliedBy(1L << doublings);
    return d.compareTo(maxBackoff) > 0 || d.isNegative() ? maxBackoff : d;
  }

  private static void requirePositive(String name, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + "=" + d + ": must be > 0");
    }
  }
}
