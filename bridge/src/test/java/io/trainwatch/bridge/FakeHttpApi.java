package io.trainwatch.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A real HTTP server on loopback that answers as a documented API does ({@code behaviour}), except
 * where a test injects faults: a 429 with {@code Retry-After}, a 500, a 400, or no answer in time.
 */
final class FakeHttpApi implements AutoCloseable {

  /** One request as received. */
  record Request(
      String method, String path, Map<String, List<String>> headers, byte[] body, Instant at) {

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
      try {
        return BridgeJson.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  /**
   * One answer. {@code delay} holds the answer back, longer than the client's timeout for a timeout
   * fault.
   */
  record Reply(int status, String body, Map<String, String> headers, Duration delay) {

    static Reply of(int status, String body) {
      return new Reply(status, body, Map.of(), Duration.ZERO);
    }

    static Reply json(int status, String body) {
      return new Reply(status, body, Map.of("Content-Type", "application/json"), Duration.ZERO);
    }

    static Reply tooManyRequests(String retryAfterSeconds, String body) {
      return new Reply(
          429,
          body,
          retryAfterSeconds == null ? Map.of() : Map.of("Retry-After", retryAfterSeconds),
          Duration.ZERO);
    }

    static Reply noAnswerWithin(Duration delay) {
      return new Reply(504, "too late", Map.of(), delay);
    }

    boolean success() {
      return status >= 200 && status < 300;
    }
  }

  /** A request and what it was answered. */
  record Exchange(Request request, Reply reply) {}

  private record Fault(Predicate<Request> when, Reply reply) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Function<Request, Reply> behaviour;
  private final List<Fault> faults = new ArrayList<>();
  private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
  private volatile Predicate<Request> failing = r -> false;
  private volatile Reply failingReply;
  private volatile Consumer<Request> onRequest = r -> {};

  private FakeHttpApi(Function<Request, Reply> behaviour) {
    this.behaviour = behaviour;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Starts a server on a free loopback port answering with {@code behaviour}. */
  static FakeHttpApi start(Function<Request, Reply> behaviour) {
    return new FakeHttpApi(behaviour);
  }

  /** {@code http://127.0.0.1:PORT} + {@code path}. */
  String url(String path) {
    return "http://"
        + server.getAddress().getHostString()
        + ":"
        + server.getAddress().getPort()
        + path;
  }

  /**
   * The next request matching {@code when} gets {@code reply} instead of the documented answer
   * (once each).
   */
  synchronized FakeHttpApi inject(Predicate<Request> when, Reply... replies) {
    for (Reply r : replies) {
      faults.add(new Fault(when, r));
    }
    return this;
  }

  /** The next requests get these replies, in order. */
  FakeHttpApi injectNext(Reply... replies) {
    return inject(r -> true, replies);
  }

  /** Every request matching {@code when} gets {@code reply} until {@link #heal()}. */
  FakeHttpApi failWhile(Predicate<Request> when, Reply reply) {
    failingReply = reply;
    failing = when;
    return this;
  }

  void heal() {
    failing = r -> false;
  }

  /** Called with every request before it is answered. */
  void onRequest(Consumer<Request> hook) {
    onRequest = hook;
  }

  List<Exchange> exchanges() {
    return List.copyOf(exchanges);
  }

  List<Request> requests() {
    return exchanges.stream().map(Exchange::request).toList();
  }

  /** Requests the documented behaviour accepted (2xx). */
  List<Request> accepted() {
    return exchanges.stream().filter(e -> e.reply().success()).map(Exchange::request).toList();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Request req =
          new Request(
              ex.getRequestMethod(),
              ex.getRequestURI().getPath(),
              Map.copyOf(ex.getRequestHeaders()),
              ex.getRequestBody().readAllBytes(),
              Instant.now());
      onRequest.accept(req);
      Reply reply = injectedFor(req);
      if (reply == null && failing.test(req)) {
        reply = failingReply;
      }
      if (reply == null) {
        reply = behaviour.apply(req);
      }
      exchanges.add(new Exchange(req, reply));
      if (!reply.delay().isZero()) {
        try {
          Thread.sleep(reply.delay().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
      reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    } catch (IOException e) {
      // the client gave up (timeout test) or the bridge process was killed mid-request
    }
  }

  private synchronized Reply injectedFor(Request req) {
    for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
      Fault f = it.next();
      if (f.when().test(req)) {
        it.remove();
        return f.reply();
      }
    }
    return null;
  }
}
