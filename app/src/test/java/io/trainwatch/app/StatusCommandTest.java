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
