package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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

  private static int run(StringWriter out, String... args) {
    CommandLine cmd =
        new CommandLine(new StatusCommand(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC)));
    cmd.setOut(new PrintWriter(out));
    return cmd.execute(args);
  }
}
