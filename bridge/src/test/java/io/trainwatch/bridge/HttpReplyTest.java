package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class HttpReplyTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);

  @Test
  void shouldClassifyByStatus() {
    assertThat(HttpReply.response(200, "ok", null).classify("Slack", clock))
        .isEqualTo(DeliveryResult.delivered());
    assertThat(HttpReply.response(202, "{}", null).classify("PagerDuty", clock))
        .isEqualTo(DeliveryResult.delivered());
    assertThat(HttpReply.response(500, "rollup_error", null).classify("Slack", clock))
        .isEqualTo(DeliveryResult.retryable("Slack answered HTTP 500: rollup_error"));
    assertThat(HttpReply.response(408, "", null).classify("webhook", clock))
        .isEqualTo(DeliveryResult.retryable("webhook answered HTTP 408"));
    assertThat(HttpReply.response(404, "no_service", null).classify("Slack", clock))
        .isEqualTo(DeliveryResult.rejected("Slack answered HTTP 404: no_service"));
    assertThat(HttpReply.noResponse("no response within 10000 ms").classify("Slack", clock))
        .isEqualTo(DeliveryResult.retryable("Slack: no response within 10000 ms"));
  }

  @Test
  void shouldReadRetryAfterInSecondsOrAsHttpDate() {
    assertThat(HttpReply.response(429, "rate_limited", "30").classify("Slack", clock))
        .isEqualTo(
            DeliveryResult.rateLimited(
                Duration.ofSeconds(30), "Slack answered HTTP 429: rate_limited"));
    assertThat(
            HttpReply.response(429, "", "Thu, 26 Nov 2026 10:00:45 GMT").retryAfterDuration(clock))
        .isEqualTo(Duration.ofSeconds(45));
    assertThat(
            HttpReply.response(429, "", "Thu, 26 Nov 2026 09:00:00 GMT").retryAfterDuration(clock))
        .isEqualTo(Duration.ZERO);
    assertThat(HttpReply.response(429, "", null).retryAfterDuration(clock)).isNull();
    assertThat(HttpReply.response(429, "", "soon").retryAfterDuration(clock)).isNull();
  }

  @Test
  void shouldKeepReasonsToOneShortLine() {
    String body = "line one\nline two " + "x".repeat(1000);

    DeliveryResult r = HttpReply.response(400, body, null).classify("webhook", clock);

    assertThat(((DeliveryResult.Rejected) r).reason()).doesNotContain("\n").hasSizeLessThan(350);
  }
}
