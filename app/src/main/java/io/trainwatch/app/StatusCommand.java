package io.trainwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trainwatch.schemas.util.Numbers;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trainwatch status}: what a running monitor sees now, from its runs and jobs API: the
 * firing alerts first (runs' and distributed jobs'), then every run and every distributed job; or
 * one run with its open alerts' hints and evidence.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Prints what a running monitor sees now (its runs and jobs API): firing alerts first, then every"
          + " run and every distributed job.",
      "With --run, one run: its open alerts with the hint and the evidence. With --job, one job's runs"
          + " and, for a distributed job, its ranks."
    })
final class StatusCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--url",
      paramLabel = "URL",
      defaultValue = "http://localhost:8081",
      description = "The monitor's HTTP address, any instance (default: ${DEFAULT-VALUE}).")
  URI url;

  @Option(names = "--run", paramLabel = "RUN_ID", description = "Show this run in detail.")
  String runId;

  @Option(
      names = "--job",
      paramLabel = "JOB",
      description = "Only this job: its runs and, for a distributed job, its ranks.")
  String job;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final Clock clock;

  StatusCommand() {
    this(Clock.systemUTC());
  }

  StatusCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (runId != null) {
      JsonNode run = get("/api/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8));
      printRun(out, run);
    } else {
      String q = job == null ? "" : "?job=" + URLEncoder.encode(job, StandardCharsets.UTF_8);
      JsonNode runs = get("/api/runs" + q);
      JsonNode jobs;
      if (job == null) {
        jobs = getIfFound("/api/jobs");
      } else {
        JsonNode one = getIfFound("/api/jobs/" + URLEncoder.encode(job, StandardCharsets.UTF_8));
        jobs =
            one == null
                ? null
                : JSON.createObjectNode().set("jobs", JSON.createArrayNode().add(one));
      }
      printFleet(out, runs, jobs);
      if (job != null && jobs != null) {
        printRanks(out, jobs.path("jobs").get(0));
      }
    }
    out.flush();
    return 0;
  }

  /**
   * What {@code path} answers, {@code null} for 404 (a job that is not distributed, or a monitor
   * older than the jobs API).
   */
  private JsonNode getIfFound(String path) throws IOException, InterruptedException {
    return get(path, true);
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    return get(path, false);
  }

  private JsonNode get(String path, boolean notFoundIsNull)
      throws IOException, InterruptedException {
    URI uri = URI.create(url.toString().replaceAll("/+$", "") + path);
    HttpResponse<String> r;
    try {
      r =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .build()
              .send(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).build(),
                  HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot reach the monitor at " + url + " (" + e + "); is it running? --url sets it", e);
    }
    if (notFoundIsNull && r.statusCode() == 404) {
      return null;
    }
    JsonNode body = JSON.readTree(r.body());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          uri.getPath() + ": HTTP " + r.statusCode() + ": " + body.path("error").asText(r.body()));
    }
    return body;
  }

  /**
   * The firing alerts (runs' then jobs'), every run, every distributed job.
   *
   * @param jobList the jobs API's answer, {@code null} when there is none
   */
  void printFleet(PrintWriter out, JsonNode list, JsonNode jobList) {
    List<JsonNode> runs = new ArrayList<>();
    list.path("runs").forEach(runs::add);
    List<JsonNode> jobs = new ArrayList<>();
    if (jobList != null) {
      jobList.path("jobs").forEach(jobs::add);
    }
    List<JsonNode> firing = new ArrayList<>();
    for (JsonNode run : runs) {
      run.path("firing").forEach(firing::add);
    }
    int jobFiring = jobs.stream().mapToInt(j -> j.path("firing").size()).sum();
    long alertingRuns = runs.stream().filter(r -> r.path("alerting").asBoolean()).count();
    long alertingJobs = jobs.stream().filter(j -> j.path("alerting").asBoolean()).count();
    if (firing.isEmpty() && jobFiring == 0) {
      out.println("FIRING: none");
    } else {
      out.printf(
          "FIRING: %d alert(s) in %d run(s)%s%n",
          firing.size() + jobFiring,
          alertingRuns,
          jobs.isEmpty() ? "" : " and " + alertingJobs + " distributed job(s)");
      for (JsonNode run : runs) {
        for (JsonNode a : run.path("firing")) {
          out.printf(
              "  %-8s %s  %s  step %s  since %s%n      %s%n",
              a.path("severity").asText().toUpperCase(java.util.Locale.ROOT),
              run.path("run_id").asText(),
              a.path("rule").asText(),
              a.path("step").asText("-"),
              a.path("starts_at").asText(),
              a.path("summary").asText());
        }
      }
      for (JsonNode j : jobs) {
        for (JsonNode a : j.path("firing")) {
          out.printf(
              "  %-8s job %s  %s  %s%s%n",
              a.path("severity").asText().toUpperCase(java.util.Locale.ROOT),
              j.path("job").asText(),
              a.path("rule").asText(),
              a.path("what").asText(),
              a.hasNonNull("run_id") ? "  (run " + a.path("run_id").asText() + ")" : "");
        }
      }
    }
    long live = runs.stream().filter(r -> r.path("state").asText().equals("live")).count();
    out.printf(
        "%nRUNS: %d (%d live, %d ended), from %d monitor instance(s)%n",
        runs.size(), live, runs.size() - live, list.path("instances").asInt(1));
    if (!runs.isEmpty()) {
      out.printf(
          "  %-32s %-16s %-6s %8s  %-28s %s%n",
          "RUN", "JOB", "STATE", "STEP", "FIRING", "LAST EVENT");
    }
    long now = clock.millis();
    for (JsonNode r : runs) {
      List<String> rules = new ArrayList<>();
      r.path("firing").forEach(a -> rules.add(a.path("rule").asText()));
      out.printf(
          "  %-32s %-16s %-6s %8d  %-28s %s%n",
          r.path("run_id").asText(),
          r.path("job").asText("-"),
          r.path("state").asText(),
          r.path("step").asLong(),
          rules.isEmpty() ? "-" : String.join(",", rules),
          ago(now - r.path("last_event_ms").asLong()));
    }
    list.path("unreachable")
        .forEach(u -> out.println("  (incomplete: instance " + u.asText() + ")"));
    if (jobs.isEmpty()) {
      return;
    }
    out.printf("%nDISTRIBUTED JOBS: %d (%d alerting)%n", jobs.size(), alertingJobs);
    out.printf(
        "  %-24s %-9s %-6s %8s %10s  %-28s %s%n",
        "JOB", "RANKS", "STATE", "STEP", "P99 STEP", "FIRING", "LAST EVENT");
    for (JsonNode j : jobs) {
      List<String> rules = new ArrayList<>();
      j.path("firing").forEach(a -> rules.add(a.path("rule").asText()));
      JsonNode p99 = j.path("p99_step_ms");
      out.printf(
          "  %-24s %-9s %-6s %8d %10s  %-28s %s%n",
          j.path("job").asText(),
          j.path("ranks").asInt() + "/" + j.path("world_size").asInt(),
          j.path("state").asText(),
          j.path("max_step").asLong(),
          p99.isNumber() ? Math.round(p99.asDouble()) + " ms" : "-",
          rules.isEmpty() ? "-" : String.join(",", rules),
          ago(now - j.path("last_event_ms").asLong()));
    }
    if (jobList != null) {
      jobList
          .path("unreachable")
          .forEach(u -> out.println("  (incomplete: instance " + u.asText() + ")"));
    }
  }

  /** A distributed job's ranks, as {@code /api/jobs/{job}} gives them. */
  void printRanks(PrintWriter out, JsonNode job) {
    out.printf(
        "%nRANKS of %s (attempt %d)%n", job.path("job").asText(), job.path("attempt").asInt());
    out.printf(
        "  %4s  %-32s %-16s %-10s %8s %-6s %s%n",
        "RANK", "RUN", "HOST", "DEVICE", "STEP", "STATE", "FIRING");
    for (JsonNode r : job.path("rank_states")) {
      List<String> rules = new ArrayList<>();
      if (r.path("straggler_firing").asBoolean()) {
        rules.add("straggler_rank");
      }
      if (r.path("divergence_firing").asBoolean()) {
        rules.add("rank_divergence");
      }
      out.printf(
          "  %4d  %-32s %-16s %-10s %8d %-6s %s%n",
          r.path("rank").asInt(),
          r.path("run_id").asText(),
          r.path("host").asText("-"),
          r.path("device").asText("-"),
          r.path("last_step").asLong(),
          r.path("ended").asBoolean() ? "ended" : "live",
          rules.isEmpty() ? "-" : String.join(",", rules));
    }
  }

  void printRun(PrintWriter out, JsonNode run) {
    out.printf(
        "%s  job %s  %s  %s  step %d  (%d batches)%n",
        run.path("run_id").asText(),
        run.path("job").asText("-"),
        run.path("framework").asText(),
        run.path("state").asText(),
        run.path("step").asLong(),
        run.path("batches").asLong());
    JsonNode open = run.path("open_alerts");
    if (open.isEmpty()) {
      out.println("FIRING: none");
    }
    for (JsonNode a : open) {
      out.printf(
          "%nFIRING %s %s (step %s, since %s)%n  %s%n",
          a.path("severity").asText().toUpperCase(java.util.Locale.ROOT),
          a.path("rule").asText(),
          a.path("step").asText("-"),
          a.path("starts_at").asText(),
          a.path("summary").asText());
      if (!a.path("evidence").isEmpty()) {
        out.println("  evidence: " + evidence(a.path("evidence")));
      }
      for (String line : a.path("hint").asText().split("\n")) {
        out.println("  " + line);
      }
    }
    JsonNode points = run.path("history").path("points");
    if (!points.isEmpty()) {
      JsonNode last = points.get(points.size() - 1);
      out.printf(
          "%nhistory: %d points; loss %s at step %s -> %s at step %s%n",
          points.size(),
          forPeople(points.get(0).path("loss")),
          points.get(0).path("step").asText(),
          forPeople(last.path("loss")),
          last.path("step").asText());
    }
  }

  /** The evidence object as people read it: {@code loss=-0.1031, batches=3}. */
  private static String evidence(JsonNode evidence) {
    List<String> parts = new ArrayList<>();
    evidence.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + forPeople(e.getValue())));
    return String.join(", ", parts);
  }

  /** A JSON value as people read it: fractional numbers by {@link Numbers#forPeople(double)}. */
  private static String forPeople(JsonNode v) {
    if (v.isMissingNode() || v.isNull()) {
      return "null";
    }
    return v.isFloatingPointNumber() ? Numbers.forPeople(v.doubleValue()) : v.asText();
  }

  private static String ago(long ms) {
    if (ms < 0) {
      return "now";
    }
    long s = ms / 1000;
    return s < 120 ? s + " s ago" : s < 7200 ? s / 60 + " min ago" : s / 3600 + " h ago";
  }
}
