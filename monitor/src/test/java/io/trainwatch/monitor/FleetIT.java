package io.trainwatch.monitor;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job-level detection through a real (embedded, KRaft) broker, exactly-once: the ranks of each job
 * are spread over the four partitions of trainwatch.events and written rank after rank (all of rank
 * 0's steps, then all of rank 1's, ...), so the monitor processes them far apart and in no
 * particular order across partitions. Steps are compared by number, not by arrival: the straggler
 * is still named, once, and nobody else; an 8-rank NaN job pages once; a hang names the rank
 * behind.
 */
class FleetIT {

  private static final int PARTITIONS = 4;
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private static EmbeddedKafkaBroker broker;

  @TempDir Path stateDir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(Topics.EVENTS, PARTITIONS, (short) 1))).all().get();
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldNameStragglerGroupNanAndNameTheHungRankWithRanksOnDifferentPartitions()
      throws Exception {
    Properties cfg = new Properties();
    cfg.load(
        new StringReader(
            String.join(
                "\n",
                "monitor.topics.events_partitions=" + PARTITIONS,
                "monitor.wall_clock_interval_seconds=1",
                "monitor.jobs.group_wait_seconds=2",
                "jobs.hang-job.rules.job_hang.min_seconds=5")));
    MonitorOptions options =
        MonitorOptions.of(broker.bootstrapServers())
            .withApplicationId("fleet-it-" + UUID.randomUUID())
            .withStateDir(stateDir)
            .withConfig(MonitorConfig.parse(cfg));
    List<Alert> seen = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = producer();
        KafkaConsumer<String, byte[]> alerts = consumer(Topics.ALERTS);
        Monitor monitor = Monitor.start(options)) {
      Random rnd = new Random(42);
      // Job 1: rank 5 computes 20% slower from step 20. Written rank after rank.
      startRanks(producer, "slow-job", 8);
      for (int r = 0; r < 8; r++) {
        for (int step = 0; step < 80; step++) {
          double compute =
              100 * Math.exp(0.03 * rnd.nextGaussian()) * (r == 5 && step >= 20 ? 1.2 : 1);
          send(producer, r, batch(run("slow-job", r), step).build().withPhases(10.0, compute));
        }
      }
      // Job 2: every rank turns NaN at step 30.
      startRanks(producer, "nan-job", 8);
      for (int r = 0; r < 8; r++) {
        for (int step = 0; step < 40; step++) {
          double loss = step >= 30 ? Double.NaN : 2.0 - step / 100.0;
          send(
              producer,
              r,
              batch(run("nan-job", r), step).loss(loss).build().withPhases(10.0, 100.0));
        }
      }
      // Job 3: rank 2 never reports step 49; the others wait at 49 (min_seconds 5 for this job).
      startRanks(producer, "hang-job", 4);
      for (int r = 0; r < 4; r++) {
        for (int step = 0; step < (r == 2 ? 49 : 50); step++) {
          send(producer, r, batch(run("hang-job", r), step).build().withPhases(10.0, 100.0));
        }
      }
      producer.flush();

      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                seen.addAll(poll(alerts));
                return has(seen, run("slow-job", 5) + "/straggler_rank")
                    && has(seen, "nan-job/nonfinite_loss")
                    && has(seen, "hang-job/job_hang");
              });
      // Anything late (a second page, a wrong rank) would come within a few wall-clock checks.
      await()
          .during(Duration.ofSeconds(5))
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                seen.addAll(poll(alerts));
                return seen.stream().filter(Alert::firing).count() == 3;
              });
    }

    List<Alert> firing = seen.stream().filter(Alert::firing).toList();
    assertThat(firing)
        .extracting(Alert::alertId)
        .containsExactlyInAnyOrder(
            run("slow-job", 5) + "/straggler_rank", "nan-job/nonfinite_loss", "hang-job/job_hang");
    Alert straggler = only(firing, "straggler_rank");
    assertThat(straggler.evidence()).containsEntry("rank", 5L).containsEntry("phase", "compute");
    Alert nan = only(firing, "nonfinite_loss");
    assertThat(nan.evidence()).containsEntry("rank_count", 8L);
    Alert hang = only(firing, "job_hang");
    assertThat(hang.evidence()).containsEntry("rank", 2L).containsEntry("behind_count", 1L);
    assertThat(hang.status()).isEqualTo(AlertStatus.FIRING);
  }

  private static boolean has(List<Alert> seen, String alertId) {
    return seen.stream().anyMatch(a -> a.alertId().equals(alertId) && a.firing());
  }

  private static Alert only(List<Alert> alerts, String rule) {
    return alerts.stream().filter(a -> a.rule().equals(rule)).findFirst().orElseThrow();
  }

  private static String run(String job, int rank) {
    return job + "-rank" + rank;
  }

  private static void startRanks(KafkaProducer<String, byte[]> producer, String job, int world) {
    for (int r = 0; r < world; r++) {
      send(
          producer,
          r,
          Events.rankStarted(run(job, r), job, "node-" + (r / 4), r, world, "cuda:" + (r % 4), 0));
    }
  }

  /** Rank r's events go to partition r % 4: a job's ranks are spread over every partition. */
  private static void send(KafkaProducer<String, byte[]> producer, int rank, TrainingEvent e) {
    producer.send(
        new ProducerRecord<>(
            Topics.EVENTS, rank % PARTITIONS, e.tsMs(), e.runId(), EventCodec.encode(e)));
  }

  private static List<Alert> poll(KafkaConsumer<String, byte[]> consumer) {
    List<Alert> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
      out.add(AlertCodec.decode(r.value()));
    }
    return out;
  }

  private static KafkaProducer<String, byte[]> producer() {
    Map<String, Object> p =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.LINGER_MS_CONFIG,
            5);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<String, byte[]> consumer(String topic) {
    Map<String, Object> p =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "fleet-it-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(topic));
    return c;
  }
}
