package io.trainwatch.cli.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The one HTTP port of a long-running trainwatch process (the monitor, a bridge): {@code /healthz}
 * (alive), {@code /readyz} (ready to do its work), {@code /metrics} (Prometheus text format) and
 * whatever the process adds with {@link #handle}.
 *
 * <p>Built on the JDK's {@code com.sun.net.httpserver}: a handful of read-only GET endpoints for
 * probes, Prometheus and a dashboard do not earn a web framework's dependencies and start-up, and
 * the JDK server is in every Java 17 runtime the images use. Requests are served by a small pool of
 * daemon threads, so that a slow request (a query routed to another instance) never holds up a
 * probe.
 *
 * <pre>{@code
 * try (OperatorServer http = OperatorServer.start(settings, () -> ready ? null : "starting", registry)) {
 *   http.handle("/api/", apiHandler);
 *   System.out.println("http ready at " + http.localUrl());
 * }
 * }</pre>
 */
public final class OperatorServer implements AutoCloseable {

  /** Threads serving requests; probes, a scrape and a few dashboard polls at a time. */
  static final int THREADS = 4;

  private final HttpServer server;
  private final ExecutorService executor;

  private OperatorServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds the port and starts serving the health and metrics endpoints.
   *
   * @param readiness {@code null} when the process is ready, otherwise one line saying why not
   *     (served by {@code /readyz} with status 503)
   * @param registry the registry {@code /metrics} scrapes
   * @throws IllegalStateException if the port cannot be bound (in use, not permitted), naming it
   */
  public static OperatorServer start(
      HttpSettings settings, Supplier<String> readiness, PrometheusMeterRegistry registry) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
    } catch (IOException e) {
      throw new IllegalStateException(
          "--http-port " + settings.port() + ": cannot listen on " + settings + ": " + e, e);
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "trainwatch-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    OperatorServer s = new OperatorServer(server, executor);
    s.handle("/healthz", ex -> Responses.text(ex, 200, "ok\n"));
    s.handle(
        "/readyz",
        ex -> {
          String why = readiness.get();
          Responses.text(ex, why == null ? 200 : 503, why == null ? "ready\n" : why + "\n");
        });
    s.handle(
        "/metrics",
        ex ->
            Responses.send(
                ex,
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape().getBytes(StandardCharsets.UTF_8)));
    server.start();
    return s;
  }

  /**
   * Serves GET (and HEAD) requests under {@code path} with {@code handler}; any other method is
   * answered 405. A handler that throws answers 500 with the exception's message.
   */
  public OperatorServer handle(String path, HttpHandler handler) {
    server.createContext(path, ex -> serve(ex, handler));
    return this;
  }

  private static void serve(HttpExchange ex, HttpHandler handler) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        Responses.text(ex, 405, method + ": only GET and HEAD are served\n");
        return;
      }
      try {
        handler.handle(ex);
      } catch (RuntimeException e) {
        Responses.text(ex, 500, e.getClass().getSimpleName() + ": " + e.getMessage() + "\n");
      }
    }
  }

  /** The port it listens on (the chosen one when the settings asked for 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://localhost:PORT}, the address to print for a person on this machine. */
  public String localUrl() {
    return "http://localhost:" + port();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
