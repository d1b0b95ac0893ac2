package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 5: the monitor's memory and state are bounded, on a real broker.
 *
 * <ul>
 *   <li>record size: a value above {@code monitor.events.max_record_bytes} is dead-lettered unread;
 *   <li>run cap: beyond {@code monitor.runs.max} runs, events of new runs are dropped with a
 *       warning (runs already tracked are unaffected);
 *   <li>eviction: ended runs are forgotten after {@code monitor.runs.ended_retention_seconds},
 *       which frees their slots;
 *   <li>per-run state: its serialized size (read from the changelog topic) stays small however long
 *       the run.
 * </ul>
 *
 * Idle-run eviction (minimum retention 60 s) is covered by the monitor's topology tests on a mock
 * clock.
 */
class BoundedResourcesIT {

  private static final String APP_ID = "bounds-monitor";
  private static final int MAX_RUNS = 4;
  private static final int MAX_RECORD_BYTES = 4096;
  private static final int LONG_RUN_BATCHES = 1500;

  @Test
  void shouldBoundRecordsRunsAndStateAndEvictEndedRuns(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        StderrCapture log = StderrCapture.start()) {
      broker.createTopic(Topics.EVENTS, 1);
      broker.createTopic(Topics.ALERTS, 1);
      broker.createTopic(Topics.EVENTS_DLQ, 1);
      Map<String, Object> client = broker.adminClientConfig();
      Properties p = new Properties();
      p.setProperty("monitor.runs.max", String.valueOf(MAX_RUNS));
      p.setProperty("monitor.runs.ended_retention_seconds", "0");
      p.setProperty("monitor.wall_clock_interval_seconds", "1");
      p.setProperty("monitor.events.max_record_bytes", String.valueOf(MAX_RECORD_BYTES));
      long now = System.currentTimeMillis();
      try (Monitor monitor =
          Monitor.start(
              MonitorOptions.of(broker.bootstrapServers())
                  .withApplicationId(APP_ID)
                  .withStateDir(tmp.resolve("state"))
                  .withConfig(MonitorConfig.parse(p)))) {

        // Record size: 3 KB is read (and alerts), 5 KB is dead-lettered unread. "medium" now holds
        // one slot.
        byte[] medium = padded(nanBatch("medium", 0, now), 3_000);
        byte[] big = padded(nanBatch("big", 0, now), 5_000);
        send(client, List.of(record("medium", medium), record("big", big)));

        // Run cap: one slot taken, so of r1..r5 only r1..r3 are tracked. r1 is long: the state-size
        // check.
        List<TrainingEvent> events = new ArrayList<>();
        for (int s = 0; s < LONG_RUN_BATCHES; s++) {
          events.add(HostileCorpus.batch("r1", s, now + s));
        }
        events.add(nanBatch("r1", LONG_RUN_BATCHES, now + LONG_RUN_BATCHES));
        for (String id : List.of("r2", "r3", "r4", "r5")) {
          events.add(nanBatch(id, 0, now));
        }
        // A tracked run's end, after the others: when its resolution shows, every record before it
        // was processed.
        events.add(new RunEnded("r1", now + LONG_RUN_BATCHES + 1, RunStatus.COMPLETED, null));
        KafkaFixtures.produceEvents(client, Topics.EVENTS, events);
        List<Alert> alerts = awaitAlerts(client, a -> a.runId().equals("r1") && !a.firing());
        Set<String> alerted = firingRuns(alerts);
        assertThat(alerted)
            .as("runs tracked under monitor.runs.max=%d", MAX_RUNS)
            .containsExactlyInAnyOrder("medium", "r1", "r2", "r3");

        // Nothing beyond a bound is dropped in silence: the big record and the untracked runs'
        // events are dead
        // letters, with the bound in the reason.
        List<ConsumerRecord<byte[], byte[]>> dead =
            KafkaFixtures.readAll(
                client,
                Topics.EVENTS_DLQ,
                r -> r.size() >= 3,
                Duration.ZERO,
                Duration.ofSeconds(30));
        assertThat(dead)
            .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
            .containsExactly("big", "r4", "r5");
        assertThat(KafkaFixtures.header(dead.get(0), "trainwatch.error.reason"))
            .contains("monitor.events.max_record_bytes=" + MAX_RECORD_BYTES);
        assertThat(dead.subList(1, 3))
            .allSatisfy(
                r ->
                    assertThat(KafkaFixtures.header(r, "trainwatch.error.reason"))
                        .startsWith("run not monitored")
                        .contains("monitor.runs.max=" + MAX_RUNS));

        // Eviction: once the tracked runs end, they are forgotten and new runs are tracked again.
        KafkaFixtures.produceEvents(
            client,
            Topics.EVENTS,
            List.of(
                new RunEnded("medium", now + 2, RunStatus.COMPLETED, null),
                new RunEnded("r2", now + 2, RunStatus.COMPLETED, null),
                new RunEnded("r3", now + 2, RunStatus.COMPLETED, null)));
        long evictStart = System.nanoTime();
        String admitted = null;
        for (int k = 0;
            admitted == null && System.nanoTime() - evictStart < Duration.ofSeconds(60).toNanos();
            k++) {
          String probe = "after-eviction-" + k;
          KafkaFixtures.produceEvents(client, Topics.EVENTS, List.of(nanBatch(probe, 0, now)));
          ChildJvm.sleep(500);
          if (firingRuns(
                  KafkaFixtures.alerts(
                      KafkaFixtures.readAll(
                          client, Topics.ALERTS, r -> true, Duration.ZERO, Duration.ofMillis(500))))
              .contains(probe)) {
            admitted = probe;
          }
        }
        long evictionMs = (System.nanoTime() - evictStart) / 1_000_000;
        assertThat(admitted).as("a new run tracked once the ended runs were evicted").isNotNull();

        int maxStateBytes =
            KafkaFixtures.readAll(
                    client,
                    APP_ID + "-run-state-changelog",
                    r -> true,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(30))
                .stream()
                .filter(r -> r.value() != null)
                .mapToInt(r -> r.value().length)
                .max()
                .orElse(-1);
        System.out.printf(
            "bounds: record of %d bytes read, %d bytes dead-lettered (max_record_bytes=%d); %d of 6 "
                + "runs tracked under runs.max=%d; ended runs evicted and a new run admitted after %d ms; largest "
                + "per-run state in the changelog %d bytes (a run of %d batches)%n",
            medium.length,
            big.length,
            MAX_RECORD_BYTES,
            alerted.size(),
            MAX_RUNS,
            evictionMs,
            maxStateBytes,
            LONG_RUN_BATCHES + 2);

        assertThat(alerted).doesNotContain("r4", "r5");
        assertThat(log.text())
            .as("the warning for runs beyond the cap")
            .contains("not monitored")
            .contains("monitor.runs.max=" + MAX_RUNS);
        assertThat(maxStateBytes).as("serialized state of one run").isBetween(1, 2048);
      }
    }
  }

  private static List<Alert> awaitAlerts(
      Map<String, Object> client, java.util.function.Predicate<Alert> last) {
    return KafkaFixtures.alerts(
        KafkaFixtures.readAll(
            client,
            Topics.ALERTS,
            r -> KafkaFixtures.alerts(r).stream().anyMatch(last),
            Duration.ZERO,
            Duration.ofSeconds(60)));
  }

  private static Set<String> firingRuns(List<Alert> alerts) {
    return alerts.stream()
        .filter(a -> a.firing() && a.rule().equals("nonfinite_loss"))
        .map(Alert::runId)
        .collect(Collectors.toSet());
  }

  private static void send(
      Map<String, Object> client, List<ProducerRecord<byte[], byte[]>> records) {
    KafkaFixtures.produce(client, records);
  }

  private static ProducerRecord<byte[], byte[]> record(String runId, byte[] value) {
    return new ProducerRecord<>(Topics.EVENTS, runId.getBytes(StandardCharsets.UTF_8), value);
  }

  /**
   * A valid event of about {@code size} bytes: statistics are open to extra fields, so one is
   * padding.
   */
  private static byte[] padded(BatchEvent e, int size) {
    ObjectNode tree = HostileCorpus.tree(e);
    int base = EventCodec.encode(e).length;
    ((ObjectNode) tree.get("input")).put("padding", "p".repeat(Math.max(0, size - base - 14)));
    return HostileCorpus.bytes(tree);
  }

  private static BatchEvent nanBatch(String runId, long step, long tsMs) {
    BatchEvent healthy = HostileCorpus.batch(runId, step, tsMs);
    return new BatchEvent(
        runId,
        tsMs,
        step,
        0,
        32,
        Double.NaN,
        healthy.input(),
        new Stats(0.02, 0.9, 0.33, 0.2, 0, 96, 1.0, 1e-7),
        null,
        null,
        null,
        null);
  }
}
