package io.trainwatch.bridge;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The outcome of one HTTP request: a status with (the start of) the body, or no response at all.
 *
 * @param status the HTTP status, or {@code -1} if no response arrived
 * @param body at most {@link HttpPoster#MAX_BODY_CHARS} characters of the response body, redacted
 * @param retryAfter the raw {@code Retry-After} header, or {@code null}
 * @param failure why no response arrived (timeout, connection refused...), or {@code null}
 */
record HttpReply(int status, String body, String retryAfter, String failure) {

  static HttpReply response(int status, String body, String retryAfter) {
    return new HttpReply(status, body == null ? "" : body, retryAfter, null);
  }

  static HttpReply noResponse(String failure) {
    return new HttpReply(-1, "", null, failure);
  }

  boolean success() {
    return status >= 200 && status < 300;
  }

  /**
   * The common classification: 2xx delivered; 429 rate-limited; 408, 5xx and network failures
   * retryable; any other status rejected. Destinations refine the reason text, never the class.
   */
  DeliveryResult classify(String api, Clock clock) {
    if (failure != null) {
      return DeliveryResult.retryable(api + ": " + failure);
    }
    if (success()) {
      return DeliveryResult.delivered();
    }
    String reason = api + " answered HTTP " + status + (body.isBlank() ? "" : ": " + oneLine(body));
    if (status == 429) {
      return DeliveryResult.rateLimited(retryAfterDuration(clock), reason);
    }
    if (status == 408 || status >= 500) {
      return DeliveryResult.retryable(reason);
    }
    return DeliveryResult.rejected(reason);
  }

  /** {@code Retry-After} as seconds or an HTTP date; {@code null} if absent or unreadable. */
  Duration retryAfterDuration(Clock clock) {
    if (retryAfter == null || retryAfter.isBlank()) {
      return null;
    }
    String v = retryAfter.trim();
    try {
      long seconds = Long.parseLong(v);
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration d = Duration.between(clock.instant(), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }

  static String oneLine(String s) {
    String flat = s.replace('\r', ' ').replace('\n', ' ').strip();
    return flat.length() <= 300 ? flat : flat.substring(0, 299) + "…";
  }
}
