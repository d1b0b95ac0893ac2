package io.trainwatch.monitor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.cli.ChildProcesses;
import io.trainwatch.cli.http.HttpSettings;
import io.trainwatch.cli.http.Registries;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.simulator.TrainingSimulator;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator surface as its users meet it, all real: a monitor on the embedded broker watching
 * three runs (one healthy, one whose loss diverges, one feeding softmax into an NLL loss) and a
 * distributed job of eight ranks whose rank 5 computes 20% slower than its peers, scraped by a real
 * Prometheus server, and its dashboard loaded in headless Chromium through Selenium. Each test is
 * skipped, saying why, where its program is not installed ({@code apt-get install prometheus
 * chromium chromium-driver}; CI installs them).
 */
class OperatorSurfaceIT {

  static final String HEALTHY = "resnet-healthy";
  static final String DIVERGING = "resnet-diverging";
  static final String SOFTMAX_NLL = "bert-softmax-nll";
  static final String JOB = "llm-ddp";
  static final int WORLD = 8;
  static final int SLOW_RANK = 5;

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** Where the screenshots go; docs/img/dashboard-*.png are copies of them. */
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private static EmbeddedKafkaBroker broker;
  private static MonitorHttp http;
  private static Monitor monitor;
  @TempDir static Path stateDir;

  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void startMonitorAndRuns() throws Exception {
    broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
    http = MonitorHttp.start(new HttpSettings("127.0.0.1", 0), Registries.prometheus());
    monitor =
        Monitor.start(
            MonitorOptions.of(broker.bootstrapServers())
                .withApplicationId("operator-it-" + UUID.randomUUID())
                .withStateDir(stateDir),
            http.hooks());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      send(producer, Events.dl4jMcxent(HEALTHY));
      TrainingSimulator.healthyClassifier(HEALTHY, 11)
          .batches(0, 400)
          .forEach(b -> send(producer, b));
      send(producer, Events.dl4jMcxent(DIVERGING));
      TrainingSimulator.healthyClassifier(DIVERGING, 17)
          .lossFrom(300, step -> Math.min(1e4, 1.2 * Math.pow(1.6, step - 299)))
          .batches(0, 380)
          .forEach(b -> send(producer, b));
      send(producer, Events.pytorchNll(SOFTMAX_NLL));
      for (int step = 0; step < 60; step++) {
        send(producer, Events.batch(SOFTMAX_NLL, step).loss(-0.1 - step / 200.0).build());
      }
      for (int rank = 0; rank < WORLD; rank++) {
        send(producer, rankStarted(rank));
      }
      Random jitter = new Random(7);
      for (int step = 0; step < 60; step++) {
        for (int rank = 0; rank < WORLD; rank++) {
          double computeMs =
              100
                  * Math.exp(0.03 * jitter.nextGaussian())
                  * (rank == SLOW_RANK && step >= 20 ? 1.2 : 1);
          send(producer, Events.batch(rank(rank), step).build().withPhases(10.0, computeMs));
        }
      }
    }
  }

  static String rank(int rank) {
    return JOB + "-rank" + rank;
  }

  private static RunStarted rankStarted(int rank) {
    return Events.rankStarted(
        rank(rank), JOB, "node-" + rank / 4, rank, WORLD, "cuda:" + rank % 4, 0);
  }

  @AfterAll
  static void stop() {
    if (monitor != null) {
      monitor.close();
    }
    if (http != null) {
      http.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldBeScrapedByARealPrometheusServer(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(PROMETHEUS),
        PROMETHEUS + " not installed (apt-get install prometheus): skipped");
    awaitAlertsFor(DIVERGING, SOFTMAX_NLL);
    awaitJobAlerting();
    int port = freePort();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: trainwatch-monitor
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """
            .formatted(http.port()));
    Process prometheus =
        ChildProcesses.register(
            new ProcessBuilder(
                    PROMETHEUS.toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start());
    try {
      String api = "http://127.0.0.1:" + port + "/api/v1/query?query=";
      await()
          .atMost(TIMEOUT)
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                JsonNode events = query(api, "sum(trainwatch_events_read_total{type=\"batch\"})");
                assertThat(events.path(0).path("value").path(1).asDouble())
                    .isEqualTo(1320.0); // 400 + 380 + 60 batches, 8 ranks x 60
                JsonNode alerts =
                    query(
                        api,
                        "trainwatch_alerts_total{status=\"firing\",job=\"trainwatch-monitor\"}");
                assertThat(alerts)
                    .extracting(a -> a.path("metric").path("rule").asText())
                    .contains("loss_divergence", "negative_loss", "straggler_rank");
                JsonNode up = query(api, "up{job=\"trainwatch-monitor\"}");
                assertThat(up.path(0).path("value").path(1).asText()).isEqualTo("1");
              });
    } finally {
      ChildProcesses.stop(prometheus, ChildProcesses.DEFAULT_GRACE);
    }
  }

  @Test
  void shouldShowTheAlertingRunInTheFleetAndItsCurveAndHintInTheRunView() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        CHROMIUM
            + " or "
            + CHROMEDRIVER
            + " not installed (apt-get install chromium chromium-driver): skipped");
    awaitAlertsFor(DIVERGING, SOFTMAX_NLL);
    awaitJobAlerting();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,1100",
        "--disable-dev-shm-usage");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    WebDriver browser = new ChromeDriver(service, options);
    try {
      WebDriverWait wait = new WebDriverWait(browser, TIMEOUT);
      browser.get(http.localUrl() + "/");
      WebElement row =
          wait.until(
              b -> {
                List<WebElement> rows =
                    b.findElements(By.cssSelector("tr[data-run='" + DIVERGING + "']"));
                return rows.isEmpty() || !rows.get(0).getAttribute("class").contains("alerting")
                    ? null
                    : rows.get(0);
              });
      assertThat(row.getText()).contains("loss_divergence");
      List<WebElement> rows = browser.findElements(By.cssSelector("#runs tbody tr"));
      assertThat(rows).hasSize(3 + WORLD);
      assertThat(rows)
          .extracting(r -> r.getAttribute("class").contains("alerting"))
          .as("the alerting runs come first")
          .containsExactly(
              true, true, false, false, false, false, false, false, false, false, false);
      WebElement jobRow = browser.findElement(By.cssSelector("#jobs tr[data-job='" + JOB + "']"));
      assertThat(jobRow.getAttribute("class")).contains("alerting");
      assertThat(jobRow.getText())
          .contains("8 of 8")
          .contains("straggler_rank")
          .contains("rank " + SLOW_RANK + " on node-1 cuda:1");
      assertThat(browser.getTitle()).startsWith("(3 alerting)");
      screenshot(browser, "dashboard-fleet.png");

      jobRow.findElement(By.linkText(JOB)).click();
      WebElement jobAlert =
          wait.until(
              b ->
                  b.findElements(By.cssSelector("#job-firing article")).stream()
                      .findFirst()
                      .orElse(null));
      assertThat(jobAlert.getText()).contains("straggler_rank").contains(rank(SLOW_RANK));
      List<WebElement> ranks = browser.findElements(By.cssSelector("#ranks tbody tr"));
      assertThat(ranks).hasSize(WORLD);
      for (WebElement r : ranks) {
        boolean slow = r.getAttribute("data-rank").equals(String.valueOf(SLOW_RANK));
        assertThat(r.getAttribute("class").contains("alerting")).as(r.getText()).isEqualTo(slow);
        assertThat(r.getText().contains("straggler_rank")).as(r.getText()).isEqualTo(slow);
      }
      screenshot(browser, "dashboard-job.png");

      browser.navigate().back();
      row =
          wait.until(
              b ->
                  b.findElements(By.cssSelector("tr[data-run='" + DIVERGING + "']")).stream()
                      .findFirst()
                      .orElse(null));

      row.findElement(By.linkText(DIVERGING)).click();
      WebElement alert =
          wait.until(
              b ->
                  b.findElements(By.cssSelector("#open-alerts article")).stream()
                      .findFirst()
                      .orElse(null));
      assertThat(alert.getText()).contains("loss_divergence");
      assertThat(alert.findElement(By.cssSelector(".hint")).getText()).isNotBlank();
      WebElement loss = browser.findElement(By.cssSelector("svg.chart-loss"));
      assertThat(loss.findElements(By.cssSelector("path.curve"))).hasSize(1);
      assertThat(loss.findElements(By.cssSelector("line.marker.firing"))).isNotEmpty();
      assertThat(loss.getAttribute("aria-label")).contains("alert markers");
      browser.manage().window().setSize(new Dimension(1280, 1700));
      screenshot(browser, "dashboard-run.png");
    } finally {
      browser.quit();
    }
  }

  private void awaitAlertsFor(String... runs) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              for (String run : runs) {
                HttpResponse<String> r =
                    client.send(
                        HttpRequest.newBuilder(URI.create(http.localUrl() + "/api/runs/" + run))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(RunViews.JSON.readTree(r.body()).path("alerting").asBoolean())
                    .as(run + " alerting")
                    .isTrue();
              }
            });
  }

  private void awaitJobAlerting() {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              HttpResponse<String> r =
                  client.send(
                      HttpRequest.newBuilder(URI.create(http.localUrl() + "/api/jobs/" + JOB))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              assertThat(r.statusCode()).isEqualTo(200);
              JsonNode job = RunViews.JSON.readTree(r.body());
              assertThat(job.path("ranks").asInt()).isEqualTo(WORLD);
              assertThat(job.path("firing"))
                  .extracting(a -> a.path("rule").asText() + " " + a.path("rank").asInt())
                  .containsExactly("straggler_rank " + SLOW_RANK);
            });
  }

  private JsonNode query(String api, String promql) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(api + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = RunViews.JSON.readTree(r.body());
    assertThat(body.path("status").asText()).as(r.body()).isEqualTo("success");
    return body.path("data").path("result");
  }

  private static void screenshot(WebDriver browser, String name) throws IOException {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.createDirectories(SCREENSHOTS);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void send(KafkaProducer<String, byte[]> producer, TrainingEvent e) {
    producer.send(
        new ProducerRecord<>(Topics.EVENTS, null, e.tsMs(), e.runId(), EventCodec.encode(e)));
  }
}
