package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code status} against a real HTTP server on loopback answering as the runs API does. */
class StatusCommandTest {

  private static final long NOW = 1_767_225_600_000L;

  private static final String RUNS =
      """
      {"instances":2,"unreachable":[],"runs":[
       {"run_id":"r-bad","job":"j","framework":"pytorch","state":"live","alerting":true,
        "batches":40,"step":39,"last_event_ms":%d,"firing":[{"rule":"negative_loss",
        "severity":"critical","summary":"r-bad: negative_loss: loss -0.12 is below 0",
        "step":2,"starts_at":"2026-01-01T00:00:00Z"}],"labels":{},"owner":"a:1"},
       {"run_id":"r-ok","job":"j","framework":"dl4j","state":"ended","alerting":false,
        "batches":300,"step":299,"last_event_ms":%d,"firing":[],"labels":{},"owner":"b:2"}]}
      """
          .formatted(NOW - 3_000, NOW - 600_000);

  private static final String JOB =
      """
      {"job":"llm-ddp","attempt":0,"framework":"pytorch","world_size":8,"ranks":8,"ended_ranks":0,
       "state":"live","max_step":59,"last_event_ms":%d,"progress_ms":%d,"p99_step_ms":131.4,
       "hang_firing":false,"alerting":true,
       "firing":[{"rule":"straggler_rank","severity":"warning","what":"rank 5 on node-2 cuda:5",
                  "run_id":"llm-ddp-rank5","rank":5}],
       "owner":"a:1","runs":"/api/runs?job=llm-ddp",
       "alert_groups":[],
       "rank_states":[
        {"rank":0,"run_id":"llm-ddp-rank0","host":"node-0","device":"cuda:0","last_step":59,
         "last_event_ms":%d,"ended":false,"straggler_firing":false,"divergence_firing":false},
        {"rank":5,"run_id":"llm-ddp-rank5","host":"node-2","device":"cuda:5","last_step":59,
         "last_event_ms":%d,"ended":false,"straggler_firing":true,"divergence_firing":false}]}
      """
          .formatted(NOW - 1_000, NOW - 1_000, NOW - 1_000, NOW - 1_000);

  private static final String QUIET_JOB =
      """
      {"job":"vit-ddp","attempt":0,"framework":"pytorch","world_size":2,"ranks":2,"ended_ranks":2,
       "state":"ended","max_step":99,"last_event_ms":%d,"p99_step_ms":null,"hang_firing":false,
       "alerting":false,"firing":[],"owner":"b:2"}
      """
          .formatted(NOW - 60_000);

  private HttpServer server;

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/api/runs",
        ex -> {
          byte[] body = RUNS.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void shouldPrintTheFiringAlertsFirstThenEveryRun() {
    StringWriter out = new StringWriter();
    int code = run(out, "--url", "http://127.0.0.1:" + server.getAddress().getPort());

    assertThat(code).isZero();
    String text = out.toString();
    assertThat(text)
        .startsWith("FIRING: 1 alert(s) in 1 run(s)\n  CRITICAL r-bad  negative_loss  step 2")
        .contains("r-bad: negative_loss: loss -0.12 is below 0")
        .contains("RUNS: 2 (1 live, 1 ended), from 2 monitor instance(s)");
    assertThat(text.indexOf("r-ok")).isGreaterThan(text.indexOf("RUNS:"));
    assertThat(text).contains("3 s ago").contains("10 min ago");
  }

  @Test
  void shouldPrintTheJobsFiringAlertsFirstThenEveryDistributedJob() {
    serve(
        "/api/jobs",
        "{\"instances\":2,\"unreachable\":[],\"jobs\":[" + JOB + "," + QUIET_JOB + "]}");
    StringWriter out = new StringWriter();

    int code = run(out, "--url", "http://127.0.0.1:" + server.getAddress().getPort());

    assertThat(code).isZero();
    String text = out.toString();
    assertThat(text)
        .startsWith(
            "FIRING: 2 alert(s) in 1 run(s) and 1 distributed job(s)\n"
                + "  CRITICAL r-bad  negative_loss  step 2")
        .contains(
            "  WARNING  job llm-ddp  straggler_rank  rank 5 on node-2 cuda:5  (run llm-ddp-rank5)")
        .contains("DISTRIBUTED JOBS: 2 (1 alerting)");
    int jobs = text.indexOf("DISTRIBUTED JOBS:");
    assertThat(text.indexOf("llm-ddp   ", jobs)).isLessThan(text.indexOf("vit-ddp", jobs));
    assertThat(text.substring(jobs))
        .containsPattern("llm-ddp +8/8 +live +59 +131 ms +straggler_rank +1 s ago")
        .containsPattern("vit-ddp +2/2 +ended +99 +- +- +60 s ago");
  }

  @Test
  void shouldPrintOneDistributedJobsRanks() {
    serve("/api/jobs/llm-ddp", JOB);
    StringWriter out = new StringWriter();

    int code =
        run(out, "--url", "http://127.0.0.1:" + server.getAddress().getPort(), "--job", "llm-ddp");

    assertThat(code).isZero();
    String text = out.toString();
    assertThat(text).contains("RANKS of llm-ddp (attempt 0)");
    assertThat(text.substring(text.indexOf("RANKS of")))
        .containsPattern("0 +llm-ddp-rank0 +node-0 +cuda:0 +59 live +-")
        .containsPattern("5 +llm-ddp-rank5 +node-2 +cuda:5 +59 live +straggler_rank");
  }

  private void serve(String path, String json) {
    server.createContext(
        path,
        ex -> {
          byte[] body = json.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
  }

  @Test
  void shouldSayInOneLineThatNoMonitorAnswers() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    server.stop(0);
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute("status", "--url", "http://127.0.0.1:" + server.getAddress().getPort());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("status: cannot reach the monitor at http://127.0.0.1:");
  }

  @Test
  void shouldPrintOneRunsEvidenceAndHistoryAsPeopleReadNumbersOnAGermanHost() throws Exception {
    String run =
        """
        {"run_id":"r-bad","job":"j","framework":"pytorch","state":"live","step":39,"batches":40,
         "open_alerts":[{"rule":"negative_loss","severity":"critical","step":2,
          "starts_at":"2026-01-01T00:00:00Z","summary":"loss -0.1031 is below 0",
          "evidence":{"loss":-0.10312345,"lr":1.23456e-5,"batches":3,"grad_norm":"NaN"},
          "hint":"Use LogSoftmax."}],
         "history":{"points":[{"step":0,"loss":2.302585},{"step":39,"loss":-0.10312345}]}}
        """;
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    StringWriter out = new StringWriter();
    try {
      new StatusCommand().printRun(new PrintWriter(out), new ObjectMapper().readTree(run));
    } finally {
      Locale.setDefault(before);
    }
    assertThat(out.toString())
        .contains("  evidence: loss=-0.1031, lr=1.235e-05, batches=3, grad_norm=NaN\n")
        .contains("history: 2 points; loss 2.303 at step 0 -> -0.1031 at step 39");
  }

  private static int run(StringWriter out, String... args) {
    CommandLine cmd =
        new CommandLine(new StatusCommand(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC)));
    cmd.setOut(new PrintWriter(out));
    return cmd.execute(args);
  }
}
