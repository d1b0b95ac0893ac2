package io.trainwatch.monitor.http;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.cli.http.HttpSettings;
import io.trainwatch.cli.http.Registries;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two monitor instances of one application on the embedded broker, each with its HTTP port: the
 * runs API answers for every run from either instance (the runs live in the instance that owns
 * their partition), /readyz turns ready only once Kafka Streams runs, and /metrics counts.
 */
class RunsApiIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final List<String> RUNS =
      IntStream.range(0, 12).mapToObj(i -> "api-run-" + i).toList();
  private static final String FAULTY = "api-run-faulty";
  private static final String JOB = "ddp-job";

  private static EmbeddedKafkaBroker broker;

  private final HttpClient client = HttpClient.newHttpClient();

  @TempDir Path stateA;
  @TempDir Path stateB;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldAnswerForEveryRunFromEitherInstance() throws Exception {
    String app = "runs-api-it-" + UUID.randomUUID();
    MonitorOptions options = MonitorOptions.of(broker.bootstrapServers()).withApplicationId(app);
    HttpSettings loopback = new HttpSettings("127.0.0.1", 0);
    try (MonitorHttp httpA = MonitorHttp.start(loopback, Registries.prometheus());
        MonitorHttp httpB = MonitorHttp.start(loopback, Registries.prometheus())) {
      assertThat(get(httpA, "/readyz").statusCode()).isEqualTo(503);
      assertThat(get(httpA, "/api/runs").statusCode()).isEqualTo(503);
      try (Monitor a = Monitor.start(options.withStateDir(stateA), httpA.hooks());
          Monitor b = Monitor.start(options.withStateDir(stateB), httpB.hooks());
          KafkaProducer<String, byte[]> producer = producer()) {
        // Ready means RUNNING: each answer is checked against the state it was given in. A second
        // rebalance may follow the first one (the other instance joins), so wait for both to be
        // ready rather than assume it.
        for (var instance : List.of(Map.entry(a, httpA), Map.entry(b, httpB))) {
          await()
              .atMost(TIMEOUT)
              .untilAsserted(
                  () -> {
                    HttpResponse<String> ready = get(instance.getValue(), "/readyz");
                    boolean running = instance.getKey().state() == KafkaStreams.State.RUNNING;
                    if (ready.statusCode() == 200) {
                      assertThat(ready.body()).isEqualTo("ready\n");
                    } else {
                      assertThat(ready.statusCode()).isEqualTo(503);
                      assertThat(ready.body()).startsWith("Kafka Streams is ");
                    }
                    assertThat(ready.statusCode()).isEqualTo(running ? 200 : 503);
                  });
        }

        for (String run : RUNS) {
          send(producer, Events.dl4jMcxent(run));
          for (int step = 0; step < 20; step++) {
            send(producer, batch(run, step).loss(2.3 - step / 20.0).build());
          }
        }
        for (int rank = 0; rank < 4; rank++) {
          send(producer, rankStarted(rank));
          for (int step = 0; step < 20; step++) {
            send(producer, batch(JOB + "-rank" + rank, step).build().withPhases(10.0, 100.0));
          }
        }
        send(producer, Events.pytorchNll(FAULTY));
        for (int step = 0; step < 20; step++) {
          send(producer, batch(FAULTY, step).loss(-0.1 - step / 100.0).build());
        }
        producer.flush();

        Set<String> all = new HashSet<>(RUNS);
        all.add(FAULTY);
        IntStream.range(0, 4).forEach(rank -> all.add(JOB + "-rank" + rank));
        for (MonitorHttp from : List.of(httpA, httpB)) {
          await()
              .atMost(TIMEOUT)
              .untilAsserted(
                  () -> {
                    JsonNode list = json(from, "/api/runs");
                    assertThat(list.path("instances").asInt()).isEqualTo(2);
                    Set<String> listed = new HashSet<>();
                    list.path("runs").forEach(r -> listed.add(r.path("run_id").asText()));
                    assertThat(listed).isEqualTo(all);
                    // Alerting runs first.
                    assertThat(list.path("runs").get(0).path("run_id").asText()).isEqualTo(FAULTY);
                  });
        }
        // Every check below asks a running application; a rebalance (503) or a run moving to the
        // other instance between two answers is waited out, never assumed away.
        await()
            .atMost(TIMEOUT)
            .untilAsserted(
                () -> {
                  Set<String> owners = new HashSet<>();
                  json(httpA, "/api/runs")
                      .path("runs")
                      .forEach(r -> owners.add(r.path("owner").asText()));
                  assertThat(owners)
                      .as("runs are spread over both instances, so some answers were routed")
                      .containsExactlyInAnyOrder(
                          "127.0.0.1:" + httpA.port(), "127.0.0.1:" + httpB.port());
                });

        for (String run : all) {
          await()
              .atMost(TIMEOUT)
              .untilAsserted(
                  () -> {
                    JsonNode fromA = json(httpA, "/api/runs/" + run);
                    JsonNode fromB = json(httpB, "/api/runs/" + run);
                    assertThat(fromA.path("run_id").asText()).isEqualTo(run);
                    assertThat(fromA.path("owner")).isEqualTo(fromB.path("owner"));
                    // Every event processed (listed is not enough: a run is listed from its first).
                    assertThat(fromA.path("batches").asLong()).isEqualTo(20);
                    assertThat(fromA.path("history").path("points").size()).isEqualTo(20);
                  });
        }
        await()
            .atMost(TIMEOUT)
            .untilAsserted(
                () -> {
                  JsonNode faulty = json(httpB, "/api/runs/" + FAULTY);
                  assertThat(faulty.path("alerting").asBoolean()).isTrue();
                  JsonNode open = faulty.path("open_alerts").get(0);
                  assertThat(open.path("rule").asText()).isEqualTo("negative_loss");
                  assertThat(open.path("hint").asText()).contains("nn.LogSoftmax(dim=1)");
                  assertThat(open.path("evidence").path("lower_bound").asDouble()).isZero();
                  assertThat(faulty.path("markers").get(0).path("step").asLong()).isEqualTo(2);

                  assertThat(json(httpA, "/api/runs?alerting=true").path("runs").size())
                      .isEqualTo(1);
                  assertThat(json(httpB, "/api/runs?job=job-pytorch").path("runs").size())
                      .isEqualTo(1);
                  assertThat(get(httpA, "/api/runs?state=paused").statusCode()).isEqualTo(400);
                  assertThat(get(httpA, "/api/runs/never-seen").statusCode()).isEqualTo(404);
                });

        for (MonitorHttp from : List.of(httpA, httpB)) {
          await()
              .atMost(TIMEOUT)
              .untilAsserted(
                  () -> {
                    JsonNode job = json(from, "/api/jobs/" + JOB);
                    assertThat(job.path("ranks").asInt()).isEqualTo(4);
                    assertThat(job.path("world_size").asInt()).isEqualTo(4);
                    assertThat(job.path("rank_states").size()).isEqualTo(4);
                    assertThat(job.path("rank_states").get(3).path("run_id").asText())
                        .isEqualTo(JOB + "-rank3");
                  });
        }
        await()
            .atMost(TIMEOUT)
            .untilAsserted(
                () -> assertThat(get(httpB, "/api/jobs/no-such-job").statusCode()).isEqualTo(404));

        String metrics = get(httpA, "/metrics").body() + get(httpB, "/metrics").body();
        int events = RUNS.size() * 21 + 4 * 21 + 21;
        // Counters are not transactional: a task migrated mid-transaction is processed again, and
        // counted again. So the instances together counted every event and the one alert, at least.
        assertThat(sum(metrics, "trainwatch_events_read_total{")).isGreaterThanOrEqualTo(events);
        assertThat(
                sum(
                    metrics,
                    "trainwatch_alerts_total{rule=\"negative_loss\",severity=\"critical\",status=\"firing\"}"))
            .isGreaterThanOrEqualTo(1);
        assertThat(metrics).contains("kafka_stream_thread_");
      }
    }
  }

  private static RunStarted rankStarted(int rank) {
    return Events.rankStarted(
        JOB + "-rank" + rank, JOB, "node-" + rank / 2, rank, 4, "cuda:" + rank % 2, 0);
  }

  /** The sum over the series of a scrape that start with {@code prefix}. */
  private static double sum(String scrape, String prefix) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private HttpResponse<String> get(MonitorHttp http, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(http.localUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(MonitorHttp http, String path) throws Exception {
    HttpResponse<String> r = get(http, path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return RunViews.JSON.readTree(r.body());
  }

  private static void send(KafkaProducer<String, byte[]> producer, TrainingEvent e) {
    producer.send(
        new ProducerRecord<>(Topics.EVENTS, null, e.tsMs(), e.runId(), EventCodec.encode(e)));
  }

  private static KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new StringSerializer(),
        new ByteArraySerializer());
  }
}
