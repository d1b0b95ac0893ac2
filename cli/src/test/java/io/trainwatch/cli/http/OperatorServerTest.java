package io.trainwatch.cli.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OperatorServerTest {

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void shouldServeHealthReadinessAndMetricsOnOnePort() throws Exception {
    AtomicReference<String> notReady = new AtomicReference<>("streams REBALANCING");
    try (OperatorServer http =
        OperatorServer.start(
            new HttpSettings("127.0.0.1", 0), notReady::get, Registries.prometheus())) {
      assertThat(http.localUrl()).isEqualTo("http://localhost:" + http.port());
      assertThat(get(http, "/healthz").statusCode()).isEqualTo(200);

      HttpResponse<String> starting = get(http, "/readyz");
      assertThat(starting.statusCode()).isEqualTo(503);
      assertThat(starting.body()).isEqualTo("streams REBALANCING\n");
      notReady.set(null);
      assertThat(get(http, "/readyz").statusCode()).isEqualTo(200);

      HttpResponse<String> metrics = get(http, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(metrics.body())
          .contains("jvm_memory_used_bytes")
          .contains("process_uptime_seconds");
    }
  }

  @Test
  void shouldRefuseWritesAndReportAHandlerFailure() throws Exception {
    try (OperatorServer http =
        OperatorServer.start(
            new HttpSettings("127.0.0.1", 0), () -> null, Registries.prometheus())) {
      http.handle(
          "/boom",
          ex -> {
            throw new IllegalStateException("store not queryable");
          });
      HttpResponse<String> post =
          client.send(
              HttpRequest.newBuilder(URI.create(http.localUrl() + "/healthz"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
      HttpResponse<String> boom = get(http, "/boom");
      assertThat(boom.statusCode()).isEqualTo(500);
      assertThat(boom.body()).isEqualTo("IllegalStateException: store not queryable\n");
    }
  }

  @Test
  void shouldNameThePortItCannotBind() throws Exception {
    try (OperatorServer first =
        OperatorServer.start(
            new HttpSettings("127.0.0.1", 0), () -> null, Registries.prometheus())) {
      int taken = first.port();
      assertThatThrownBy(
              () ->
                  OperatorServer.start(
                      new HttpSettings("127.0.0.1", taken), () -> null, Registries.prometheus()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("--http-port " + taken + ": cannot listen on 127.0.0.1:" + taken);
    }
  }

  @Test
  void shouldRejectAPortOutOfRange() {
    assertThatThrownBy(() -> new HttpSettings("0.0.0.0", 70000))
        .hasMessage("--http-port 70000: must be 0..65535");
  }

  private HttpResponse<String> get(OperatorServer http, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(http.localUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
