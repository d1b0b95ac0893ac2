package io.trainwatch.monitor.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.trainwatch.cli.http.Responses;
import io.trainwatch.monitor.job.AlertGroup;
import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.streams.MonitorTopology;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /api/jobs/{job}}: one distributed job (its ranks' runs, re-keyed by job) from the
 * {@code job-state} and {@code job-ranks} stores of the instance that owns the job's key, forwarded
 * there like a run ({@link RunsApi}). Only jobs of two or more ranks have job state; the runs of
 * any job are {@code /api/runs?job=JOB}.
 */
final class JobsApi implements HttpHandler {

  static final String PREFIX = "/api/jobs";

  private final Supplier<KafkaStreams> streams;
  private final Supplier<HostInfo> self;
  private final RunsApi forwarder;

  JobsApi(Supplier<KafkaStreams> streams, Supplier<HostInfo> self, RunsApi forwarder) {
    this.streams = streams;
    this.self = self;
    this.forwarder = forwarder;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    KafkaStreams s = streams.get();
    if (s == null || s.state() != KafkaStreams.State.RUNNING) {
      RunsApi.error(
          ex, 503, "not ready: Kafka Streams is " + (s == null ? "not created" : s.state()));
      return;
    }
    if (!path.startsWith(PREFIX + "/") || path.length() == PREFIX.length() + 1) {
      RunsApi.error(ex, 404, path + ": ask for one job, /api/jobs/JOB (every run: /api/runs)");
      return;
    }
    String job = URLDecoder.decode(path.substring(PREFIX.length() + 1), StandardCharsets.UTF_8);
    boolean local = "true".equals(RunsApi.query(ex.getRequestURI().getRawQuery()).get("local"));
    if (!local) {
      KeyQueryMetadata meta =
          s.queryMetadataForKey(MonitorTopology.JOB_STATE_STORE, job, Serdes.String().serializer());
      HostInfo owner = meta.activeHost();
      if (meta == KeyQueryMetadata.NOT_AVAILABLE || owner.port() < 0) {
        RunsApi.error(
            ex, 503, "job " + job + ": its partition has no active owner now (rebalancing)");
        return;
      }
      if (!owner.equals(self.get())) {
        forwarder.proxy(
            ex,
            owner,
            PREFIX + "/" + URLEncoder.encode(job, StandardCharsets.UTF_8) + "?local=true",
            "job " + job);
        return;
      }
    }
    JobState state =
        s.store(
                StoreQueryParameters.fromNameAndType(
                    MonitorTopology.JOB_STATE_STORE,
                    QueryableStoreTypes.<String, JobState>keyValueStore()))
            .get(job);
    if (state == null) {
      RunsApi.error(
          ex,
          404,
          "job "
              + job
              + ": no job state (not a distributed job of 2 or more ranks, or forgotten);"
              + " its runs: /api/runs?job="
              + job);
      return;
    }
    ReadOnlyKeyValueStore<String, RankState> ranks =
        s.store(
            StoreQueryParameters.fromNameAndType(
                MonitorTopology.JOB_RANKS_STORE,
                QueryableStoreTypes.<String, RankState>keyValueStore()));
    Responses.json(ex, 200, RunViews.JSON.writeValueAsBytes(view(job, state, ranks)));
  }

  private ObjectNode view(String job, JobState j, ReadOnlyKeyValueStore<String, RankState> ranks) {
    ObjectNode n = RunViews.JSON.createObjectNode();
    n.put("job", job);
    n.put("attempt", j.attempt());
    n.put("framework", j.framework());
    n.put("world_size", j.worldSize());
    n.put("ranks", j.ranks());
    n.put("ended_ranks", j.endedRanks());
    n.put("state", j.ended() ? "ended" : "live");
    n.put("max_step", j.maxStep());
    n.put("last_event_ms", j.lastEventWallMs());
    n.put("progress_ms", j.progressWallMs());
    double p99 = j.p99StepMs();
    if (Double.isFinite(p99)) {
      n.put("p99_step_ms", p99);
    } else {
      n.putNull("p99_step_ms");
    }
    n.put("hang_firing", j.hang().firing());
    ArrayNode groups = n.putArray("alert_groups");
    for (AlertGroup g : j.groups()) {
      ObjectNode o = groups.addObject();
      o.put("rule", g.rule());
      o.put("phase", g.phase().name().toLowerCase(java.util.Locale.ROOT));
      o.put("severity", g.severity());
      o.put("diagnosis", g.diagnosis());
      o.put("firing_ranks", g.firingRanks());
      o.put("first_run_id", g.firstRunId());
      o.put("first_host", g.firstHost());
      ArrayNode listed = o.putArray("ranks");
      g.ranks().forEach(listed::add);
    }
    ArrayNode rankList = n.putArray("rank_states");
    // Rank keys are <job>\0<rank>: the job's ranks are one key range.
    try (KeyValueIterator<String, RankState> it = ranks.range(job + "\0", job + "\u0001")) {
      while (it.hasNext()) {
        RankState r = it.next().value;
        ObjectNode o = rankList.addObject();
        o.put("rank", r.rank());
        o.put("run_id", r.runId());
        o.put("host", r.host());
        o.put("device", r.device());
        o.put("last_step", r.lastStep());
        o.put("last_event_ms", r.lastWallMs());
        o.put("ended", r.ended());
        o.put("straggler_firing", r.straggler().firing());
        o.put("divergence_firing", r.divergence().firing());
      }
    }
    n.put("runs", "/api/runs?job=" + URLEncoder.encode(job, StandardCharsets.UTF_8));
    return n;
  }
}
