package io.trainwatch.monitor.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.trainwatch.cli.http.Responses;
import io.trainwatch.monitor.run.RunInfo;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.RunTrace;
import io.trainwatch.monitor.run.RunTraceCodec;
import io.trainwatch.monitor.streams.MonitorTopology;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /api/runs} and {@code GET /api/runs/{run_id}} over Kafka Streams interactive queries,
 * correct across instances: each instance holds the runs of its partitions, so the list asks every
 * instance of the application ({@code application.server}) for its own and merges them, and one run
 * is asked of the instance that owns its key ({@link KafkaStreams#queryMetadataForKey}). The
 * internal parameter {@code local=true} asks an instance for what it holds itself.
 *
 * <p>Answers: 200 with JSON; 400 for a bad filter; 404 for a run no instance tracks; 503 while the
 * application is not running or the owner cannot be reached (with the reason).
 */
final class RunsApi implements HttpHandler {

  static final String PREFIX = "/api/runs";
  static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);

  private final Supplier<KafkaStreams> streams;
  private final Supplier<HostInfo> self;

  /**
   * For queries of runs another instance owns; built at the first one, not at start: building an
   * HTTP client loads the default TLS context (the JDK's trust store): in a profile of a restart,
   * about a third of the main thread's CPU samples before the HTTP port opened, for a client that a
   * monitor alone never uses.
   */
  private volatile HttpClient client;

  /**
   * @param streams the application, {@code null} before it is created
   * @param self this instance's {@code application.server}
   */
  RunsApi(Supplier<KafkaStreams> streams, Supplier<HostInfo> self) {
    this.streams = streams;
    this.self = self;
  }

  private HttpClient client() {
    HttpClient c = client;
    if (c == null) {
      synchronized (this) {
        c = client;
        if (c == null) {
          c = HttpClient.newBuilder().connectTimeout(FORWARD_TIMEOUT).build();
          client = c;
        }
      }
    }
    return c;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    Map<String, String> query = query(ex.getRequestURI().getRawQuery());
    KafkaStreams s = streams.get();
    if (s == null || s.state() != KafkaStreams.State.RUNNING) {
      error(ex, 503, "not ready: Kafka Streams is " + (s == null ? "not created" : s.state()));
      return;
    }
    boolean local = "true".equals(query.get("local"));
    if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
      list(ex, s, query, local);
    } else if (path.startsWith(PREFIX + "/")) {
      String runId = URLDecoder.decode(path.substring(PREFIX.length() + 1), StandardCharsets.UTF_8);
      one(ex, s, runId, local);
    } else {
      error(ex, 404, path + ": no such resource");
    }
  }

  private void list(HttpExchange ex, KafkaStreams s, Map<String, String> query, boolean local)
      throws IOException {
    String job = query.get("job");
    String state = query.get("state");
    if (state != null && !state.equals("live") && !state.equals("ended")) {
      error(ex, 400, "state=" + state + ": must be live or ended");
      return;
    }
    String alertingText = query.get("alerting");
    if (alertingText != null && !alertingText.equals("true") && !alertingText.equals("false")) {
      error(ex, 400, "alerting=" + alertingText + ": must be true or false");
      return;
    }
    Boolean alerting = alertingText == null ? null : Boolean.valueOf(alertingText);
    List<JsonNode> runs = new ArrayList<>(localRuns(s));
    ArrayNode unreachable = RunViews.JSON.createArrayNode();
    int instances = local ? 1 : gather(s, PREFIX + "?local=true", "runs", runs, unreachable);
    runs.removeIf(r -> !RunViews.matches(r, job, state, alerting));
    runs.sort(
        Comparator.comparing((JsonNode r) -> !r.path("alerting").asBoolean())
            .thenComparing(r -> -r.path("last_event_ms").asLong()));
    ObjectNode body = RunViews.JSON.createObjectNode();
    body.put("instances", instances);
    body.set("unreachable", unreachable);
    body.putArray("runs").addAll(runs);
    Responses.json(ex, 200, RunViews.JSON.writeValueAsBytes(body));
  }

  /**
   * Asks every other instance of the application for {@code localPath} and adds the elements of
   * {@code field} of each answer to {@code into}; the instances that do not answer go to {@code
   * unreachable}, with why.
   *
   * @return how many instances were asked, this one included
   */
  int gather(
      KafkaStreams s, String localPath, String field, List<JsonNode> into, ArrayNode unreachable) {
    int instances = 1;
    for (StreamsMetadata m : s.metadataForAllStreamsClients()) {
      HostInfo host = m.hostInfo();
      if (host.equals(self.get()) || host.port() < 0) {
        continue;
      }
      instances++;
      try {
        get(host, localPath).path(field).forEach(into::add);
      } catch (IOException e) {
        unreachable.add(host.host() + ":" + host.port() + ": " + e.getMessage());
      }
    }
    return instances;
  }

  private List<JsonNode> localRuns(KafkaStreams s) {
    ReadOnlyKeyValueStore<String, RunState> states = store(s, MonitorTopology.RUN_STATE_STORE);
    ReadOnlyKeyValueStore<String, RunInfo> infos = store(s, MonitorTopology.RUN_INFO_STORE);
    ReadOnlyKeyValueStore<String, RunTrace> traces = store(s, MonitorTopology.RUN_TRACE_STORE);
    String owner = owner();
    List<JsonNode> runs = new ArrayList<>();
    try (KeyValueIterator<String, RunState> it = states.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        runs.add(RunViews.summary(kv.key, kv.value, infos.get(kv.key), traces.get(kv.key), owner));
      }
    }
    return runs;
  }

  private void one(HttpExchange ex, KafkaStreams s, String runId, boolean local)
      throws IOException {
    if (!local) {
      KeyQueryMetadata meta =
          s.queryMetadataForKey(
              MonitorTopology.RUN_STATE_STORE, runId, Serdes.String().serializer());
      HostInfo owner = meta.activeHost();
      if (meta == KeyQueryMetadata.NOT_AVAILABLE || owner.port() < 0) {
        error(ex, 503, "run " + runId + ": its partition has no active owner now (rebalancing)");
        return;
      }
      if (!owner.equals(self.get())) {
        proxy(
            ex,
            owner,
            PREFIX + "/" + URLEncoder.encode(runId, StandardCharsets.UTF_8) + "?local=true",
            "run " + runId);
        return;
      }
    }
    RunState state = this.<RunState>store(s, MonitorTopology.RUN_STATE_STORE).get(runId);
    if (state == null) {
      error(
          ex, 404, "run " + runId + ": not tracked (never seen, or forgotten after its retention)");
      return;
    }
    RunInfo info = this.<RunInfo>store(s, MonitorTopology.RUN_INFO_STORE).get(runId);
    RunTrace trace = this.<RunTrace>store(s, MonitorTopology.RUN_TRACE_STORE).get(runId);
    int bytes = trace == null ? 0 : RunTraceCodec.encode(trace).length;
    Responses.json(
        ex,
        200,
        RunViews.JSON.writeValueAsBytes(
            RunViews.detail(runId, state, info, trace, bytes, owner())));
  }

  /** Answers with what {@code owner} answers to {@code path}, or 503 when it cannot be reached. */
  void proxy(HttpExchange ex, HostInfo owner, String path, String what) throws IOException {
    try {
      HttpResponse<byte[]> r = forward(owner, path);
      Responses.json(ex, r.statusCode(), r.body());
    } catch (IOException e) {
      error(
          ex,
          503,
          what
              + ": owner "
              + owner.host()
              + ":"
              + owner.port()
              + " unreachable: "
              + e.getMessage());
    }
  }

  private <V> ReadOnlyKeyValueStore<String, V> store(KafkaStreams s, String name) {
    return s.store(
        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
  }

  String owner() {
    HostInfo h = self.get();
    return h.host() + ":" + h.port();
  }

  private JsonNode get(HostInfo host, String path) throws IOException {
    HttpResponse<byte[]> r = forward(host, path);
    if (r.statusCode() != 200) {
      throw new IOException(
          "HTTP " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8).trim());
    }
    return RunViews.JSON.readTree(r.body());
  }

  private HttpResponse<byte[]> forward(HostInfo host, String path) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path))
            .timeout(FORWARD_TIMEOUT)
            .build();
    try {
      return client().send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static void error(HttpExchange ex, int status, String message) throws IOException {
    ObjectNode body = RunViews.JSON.createObjectNode();
    body.put("error", message);
    Responses.json(ex, status, RunViews.JSON.writeValueAsBytes(body));
  }

  static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      q.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return q;
  }
}
