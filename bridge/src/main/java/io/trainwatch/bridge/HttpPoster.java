package io.trainwatch.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * POSTs JSON with the JDK's {@link HttpClient} and never throws for HTTP or network trouble: every
 * outcome is an {@link HttpReply} whose text has been redacted.
 */
final class HttpPoster {

  /**
   * Enough of an error body to name the cause (Slack's {@code invalid_blocks}, PagerDuty's {@code
   * errors[]}).
   */
  static final int MAX_BODY_CHARS = 4096;

  private final HttpClient client;
  private final Duration timeout;
  private final Redactor redactor;

  HttpPoster(HttpClient client, Duration timeout, Redactor redactor) {
    this.client = client;
    this.timeout = timeout;
    this.redactor = redactor;
  }

  /** A client for the bridge: HTTP/1.1, no redirects (a redirected POST would lose its body). */
  static HttpClient newClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * Sends one POST with a JSON body.
   *
   * @throws InterruptedException if the bridge is being stopped
   */
  HttpReply postJson(URI uri, byte[] body, Map<String, String> headers)
      throws InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("User-Agent", "trainwatch-bridge")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    try {
      HttpResponse<InputStream> r =
          client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      String text;
      try (InputStream in = r.body()) {
        text = new String(in.readNBytes(MAX_BODY_CHARS), StandardCharsets.UTF_8);
      }
      String retryAfter = r.headers().firstValue("Retry-After").orElse(null);
      return HttpReply.response(r.statusCode(), redactor.redact(text), retryAfter);
    } catch (HttpConnectTimeoutException e) {
      return HttpReply.noResponse(
          "connect timed out after " + millis(client.connectTimeout().orElse(timeout)));
    } catch (HttpTimeoutException e) {
      return HttpReply.noResponse("no response within " + millis(timeout));
    } catch (ConnectException e) {
      return HttpReply.noResponse("connection refused or unreachable");
    } catch (IOException e) {
      String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return HttpReply.noResponse("I/O error: " + redactor.redact(detail));
    }
  }

  private static String millis(Duration d) {
    return d.toMillis() + " ms";
  }
}
