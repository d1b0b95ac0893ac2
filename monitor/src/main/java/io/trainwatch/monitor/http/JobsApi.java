package io.trainwatch.monitor.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.trainwatch.cli.http.Responses;
import io.trainwatch.monitor.job.AlertGroup;
import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.streams.MonitorTopology;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 * The distributed jobs (ranks of 2 or more, re-keyed by job) from the {@code job-state} and {@code
 * job-ranks} stores, correct across instances like the runs ({@link RunsApi}):
 *
 * <ul>
 *   <li>{@code GET /api/jobs}: every job, from every instance, alerting first, then the most
 *       recently heard from; filters {@code state=live|ended}, {@code alerting=true|false};
 *   <li>{@code GET /api/jobs/{job}}: one job from the instance that owns its key, forwarded there:
 *       the summary plus its alert groups and every rank's state.
 * </ul>
 *
 * What fires in a job ({@code firing}): its published alert groups (the ranks' own alerts grouped
 * into one page), its {@code job_hang}, and each rank's {@code straggler_rank} and {@code
 * rank_divergence}. Only jobs of two or more ranks have job state; the runs of any job are {@code
 * /api/runs?job=JOB}.
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
    Map<String, String> query = RunsApi.query(ex.getRequestURI().getRawQuery());
    boolean local = "true".equals(query.get("local"));
    if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
      list(ex, s, query, local);
      return;
    }
    if (!path.startsWith(PREFIX + "/")) {
      RunsApi.error(ex, 404, path + ": no such resource");
      return;
    }
    String job = URLDecoder.decode(path.substring(PREFIX.length() + 1), StandardCharsets.UTF_8);
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
    List<RankState> ranks = ranksOf(job, ranks(s));
    ObjectNode n = summary(job, state, ranks, forwarder.owner());
    detail(n, state, ranks);
    Responses.json(ex, 200, RunViews.JSON.writeValueAsBytes(n));
  }

  private void list(HttpExchange ex, KafkaStreams s, Map<String, String> query, boolean local)
      throws IOException {
    String state = query.get("state");
    if (state != null && !state.equals("live") && !state.equals("ended")) {
      RunsApi.error(ex, 400, "state=" + state + ": must be live or ended");
      return;
    }
    String alerting = query.get("alerting");
    if (alerting != null && !alerting.equals("true") && !alerting.equals("false")) {
      RunsApi.error(ex, 400, "alerting=" + alerting + ": must be true or false");
      return;
    }
    List<JsonNode> jobs = new ArrayList<>();
    ReadOnlyKeyValueStore<String, RankState> rankStore = ranks(s);
    String owner = forwarder.owner();
    try (KeyValueIterator<String, JobState> it = jobStates(s).all()) {
      while (it.hasNext()) {
        var kv = it.next();
        jobs.add(summary(kv.key, kv.value, ranksOf(kv.key, rankStore), owner));
      }
    }
    ArrayNode unreachable = RunViews.JSON.createArrayNode();
    int instances =
        local ? 1 : forwarder.gather(s, PREFIX + "?local=true", "jobs", jobs, unreachable);
    jobs.removeIf(
        j ->
            (state != null && !state.equals(j.path("state").asText()))
                || (alerting != null
                    && Boolean.parseBoolean(alerting) != j.path("alerting").asBoolean()));
    jobs.sort(
        Comparator.comparing((JsonNode j) -> !j.path("alerting").asBoolean())
            .thenComparing(j -> -j.path("last_event_ms").asLong()));
    ObjectNode body = RunViews.JSON.createObjectNode();
    body.put("instances", instances);
    body.set("unreachable", unreachable);
    body.putArray("jobs").addAll(jobs);
    Responses.json(ex, 200, RunViews.JSON.writeValueAsBytes(body));
  }

  private static ReadOnlyKeyValueStore<String, JobState> jobStates(KafkaStreams s) {
    return s.store(
        StoreQueryParameters.fromNameAndType(
            MonitorTopology.JOB_STATE_STORE,
            QueryableStoreTypes.<String, JobState>keyValueStore()));
  }

  private static ReadOnlyKeyValueStore<String, RankState> ranks(KafkaStreams s) {
    return s.store(
        StoreQueryParameters.fromNameAndType(
            MonitorTopology.JOB_RANKS_STORE,
            QueryableStoreTypes.<String, RankState>keyValueStore()));
  }

  /** The job's ranks, by rank (keys are {@code <job>\0<rank>}: one key range). */
  private static List<RankState> ranksOf(String job, ReadOnlyKeyValueStore<String, RankState> s) {
    List<RankState> out = new ArrayList<>();
    try (KeyValueIterator<String, RankState> it = s.range(job + "\0", job + "\u0001")) {
      it.forEachRemaining(kv -> out.add(kv.value));
    }
    out.sort(Comparator.comparingInt(RankState::rank));
    return out;
  }

  /** What the list shows of a job: its progress and what fires in it. */
  static ObjectNode summary(String job, JobState j, List<RankState> ranks, String owner) {
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
    ArrayNode firing = firing(j, ranks);
    n.put("alerting", !firing.isEmpty());
    n.set("firing", firing);
    n.put("owner", owner);
    n.put("runs", "/api/runs?job=" + URLEncoder.encode(job, StandardCharsets.UTF_8));
    return n;
  }

  /**
   * What fires in a job, the most severe first: its published alert groups, its hang, its ranks'
   * straggler and divergence alerts.
   */
  static ArrayNode firing(JobState j, List<RankState> ranks) {
    ArrayNode out = RunViews.JSON.createArrayNode();
    for (AlertGroup g : j.groups()) {
      if (g.phase() == AlertGroup.Phase.FIRING) {
        ObjectNode o = out.addObject();
        o.put("rule", g.rule());
        o.put("severity", g.severity());
        o.put("what", g.firingRanks() + " rank(s): " + g.ranksText());
        o.put("run_id", g.firstRunId());
      }
    }
    if (j.hang().firing()) {
      ObjectNode o = out.addObject();
      o.put("rule", RuleId.JOB_HANG.id());
      o.put("severity", RuleId.JOB_HANG.severity().wire());
      o.put("what", "no step completes; the rank behind it: " + j.hangRunId());
      o.put("run_id", j.hangRunId());
    }
    for (RankState r : ranks) {
      if (r.straggler().firing()) {
        rankAlert(out, RuleId.STRAGGLER_RANK, r);
      }
      if (r.divergence().firing()) {
        rankAlert(out, RuleId.RANK_DIVERGENCE, r);
      }
    }
    List<JsonNode> sorted = new ArrayList<>();
    out.forEach(sorted::add);
    sorted.sort(Comparator.comparingInt(a -> severityOrder(a.path("severity").asText())));
    ArrayNode result = RunViews.JSON.createArrayNode();
    result.addAll(sorted);
    return result;
  }

  /** Most severe first; an unknown severity last. */
  private static int severityOrder(String severity) {
    int i = List.of("critical", "error", "warning", "info").indexOf(severity);
    return i < 0 ? 4 : i;
  }

  private static void rankAlert(ArrayNode out, RuleId rule, RankState r) {
    ObjectNode o = out.addObject();
    o.put("rule", rule.id());
    o.put("severity", rule.severity().wire());
    o.put("what", "rank " + r.rank() + " on " + r.host() + " " + r.device());
    o.put("run_id", r.runId());
    o.put("rank", r.rank());
  }

  /** What the job's own answer adds: its alert groups and every rank. */
  private static void detail(ObjectNode n, JobState j, List<RankState> ranks) {
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
    for (RankState r : ranks) {
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
}
