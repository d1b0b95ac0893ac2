package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private final RetryPolicy policy =
      new RetryPolicy(
          6,
          Duration.ofSeconds(1),
          Duration.ofSeconds(20),
          Duration.ofMinutes(5),
          Duration.ofSeconds(10));

  @Test
  void shouldGrowExponentiallyWithJitterWithinBounds() {
    SplittableRandom random = new SplittableRandom(42);
    for (int failures = 1; failures <= 8; failures++) {
      long ceiling = Math.min(20_000, 1000L << (failures - 1));
      for (int i = 0; i < 200; i++) {
        long ms = policy.backoff(failures, random).toMillis();
        assertThat(ms).as("failure %d", failures).isBetween(ceiling / 2, ceiling);
      }
    }
  }

  @Test
  void shouldSpreadRetriesOfAlertsThatFailedTogether() {
    SplittableRandom random = new SplittableRandom(7);
    long distinct =
        java.util.stream.IntStream.range(0, 50)
            .mapToObj(i -> policy.backoff(3, random))
            .distinct()
            .count();

    assertThat(distinct).isGreaterThan(40);
  }

  @Test
  void shouldDoubleTheRateLimitPauseUpToTheCap() {
    assertThat(policy.rateLimitWait(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(policy.rateLimitWait(3))
        .as("capped by maxBackoff")
        .isEqualTo(Duration.ofSeconds(20));
    RetryPolicy pd = RetryPolicy.defaults();
    assertThat(pd.rateLimitWait(1)).isEqualTo(Duration.ofSeconds(30));
    assertThat(pd.rateLimitWait(2)).isEqualTo(Duration.ofMinutes(1));
    assertThat(pd.rateLimitWait(5)).isEqualTo(Duration.ofMinutes(5));
    assertThat(pd.rateLimitWait(1000)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void shouldRejectNonsense() {
    assertThatThrownBy(
            () ->
                new RetryPolicy(
                    0,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1)))
        .hasMessage("maxAttempts=0: must be >= 1");
    assertThatThrownBy(
            () ->
                new RetryPolicy(
                    1,
                    Duration.ZERO,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1)))
        .hasMessage("initialBackoff=PT0S: must be > 0");
    assertThatThrownBy(
            () ->
                new RetryPolicy(
                    1,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(3)))
        .hasMessage("maxBackoff=PT2S: must be >= initialBackoff PT1S and rateLimitBackoff PT3S");
  }

  @Test
  void shouldPaceToTheTokenBucketRate() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    TokenBucket bucket = new TokenBucket(new RatePolicy(2, 3), t0);

    for (int i = 0; i < 3; i++) {
      assertThat(bucket.availableAt(t0)).isEqualTo(t0);
      bucket.take(t0);
    }
    Instant next = bucket.availableAt(t0);
    assertThat(next).isEqualTo(t0.plusMillis(500));
    bucket.take(next);
    assertThat(bucket.availableAt(next)).isEqualTo(next.plusMillis(500));
    assertThat(bucket.availableAt(next.plusSeconds(10))).isEqualTo(next.plusSeconds(10));
    assertThatThrownBy(() -> new TokenBucket(RatePolicy.unlimited(), t0))
        .hasMessageContaining("not paced");
  }
}
