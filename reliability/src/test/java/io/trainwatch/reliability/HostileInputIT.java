package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.reliability.HostileCase.Category;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.InvalidEventException;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 4: hostile and malformed events never stop the monitor. The hand-made corpus, a few
 * hundred generated cases (random garbage and randomly mutated events) and events that are wrong
 * only in context go to a running monitor on a real broker. Every invalid record lands on {@code
 * trainwatch.events.dlq} unchanged, with a readable reason; every valid one is processed (those
 * that must raise an alert do); the monitor is still running and still alerting at the end.
 */
class HostileInputIT {

  private static final int GENERATED = 400;

  @Test
  void shouldDeadLetterEveryInvalidEventAndKeepWatching(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(
                EmbeddedKafkaBroker.Options.defaults()
                    .withExtraProperties(
                        Map.of("message.max.bytes", String.valueOf(4 * 1024 * 1024))));
        StderrCapture log = StderrCapture.start()) {
      // One partition: the records are processed in the order sent, so the sentinel's alert proves
      // all came before.
      broker.createTopic(Topics.EVENTS, 1);
      broker.createTopic(Topics.ALERTS, 1);
      broker.createTopic(Topics.EVENTS_DLQ, 1);
      Map<String, Object> client = broker.adminClientConfig();

      List<HostileCase> cases = new ArrayList<>(HostileCorpus.cases("hostile"));
      cases.addAll(generated());
      cases.addAll(contextCases());
      String sentinel = "hostile-sentinel";
      cases.add(
          HostileCase.of(
              "sentinel: NaN loss, fires at once",
              Category.CONTROL,
              sentinel,
              EventCodec.encode(nanBatch(sentinel, 0, System.currentTimeMillis())),
              true));

      try (Monitor monitor =
          Monitor.start(
              MonitorOptions.of(broker.bootstrapServers())
                  .withApplicationId("hostile-monitor")
                  .withStateDir(tmp.resolve("state"))
                  .withConfig(MonitorConfig.defaults()))) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (HostileCase c : cases) {
          records.add(new ProducerRecord<>(Topics.EVENTS, 0, null, c.key(), c.value()));
        }
        KafkaFixtures.produce(client, records);

        List<Alert> alerts =
            KafkaFixtures.alerts(
                KafkaFixtures.readAll(
                    client,
                    Topics.ALERTS,
                    r -> KafkaFixtures.alerts(r).stream().anyMatch(a -> a.runId().equals(sentinel)),
                    Duration.ZERO,
                    Duration.ofSeconds(90)));
        assertThat(alerts)
            .as("the sentinel's alert: the monitor got through every hostile record")
            .anyMatch(a -> a.runId().equals(sentinel));
        assertThat(monitor.state()).isEqualTo(KafkaStreams.State.RUNNING);

        List<ConsumerRecord<byte[], byte[]>> dead =
            KafkaFixtures.readAll(
                client,
                Topics.EVENTS_DLQ,
                r -> true,
                Duration.ofSeconds(2),
                Duration.ofSeconds(30));
        report(cases, dead);
        Set<Long> deadOffsets = assertDeadLetters(cases, dead);
        assertProcessed(cases, deadOffsets, alerts);
        assertThat(monitor.state())
            .as("still running after everything")
            .isEqualTo(KafkaStreams.State.RUNNING);
        // Rejections are logged, rate-limited: at least the first one, never one line per record.
        long logged =
            log.text()
                .lines()
                .filter(l -> l.contains("Rejected") && l.contains(Topics.EVENTS_DLQ))
                .count();
        assertThat(logged).as("warnings about dead letters").isBetween(1L, 20L);
      }
    }
  }

  /**
   * Every record the contract rejects is on the DLQ, unchanged, with a reason; no valid record is.
   *
   * @return the offsets of the dead-lettered records
   */
  private static Set<Long> assertDeadLetters(
      List<HostileCase> cases, List<ConsumerRecord<byte[], byte[]>> dead) {
    Set<Long> deadOffsets = new HashSet<>();
    Set<Long> rejectedInContext = new HashSet<>();
    List<String> problems = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> d : dead) {
      String offset = KafkaFixtures.header(d, "trainwatch.error.offset");
      String reason = KafkaFixtures.header(d, "trainwatch.error.reason");
      if (offset == null) {
        problems.add("DLQ record without trainwatch.error.offset: " + reason);
        continue;
      }
      long o = Long.parseLong(offset);
      deadOffsets.add(o);
      if ("run".equals(KafkaFixtures.header(d, "trainwatch.error.stage"))) {
        rejectedInContext.add(o);
      }
      HostileCase c = cases.get((int) o);
      if (reason == null || reason.isBlank() || reason.contains("\n") || reason.length() > 1024) {
        problems.add(c + ": unreadable reason " + reason);
      }
      String originalSize = KafkaFixtures.header(d, "trainwatch.error.value_bytes");
      if (originalSize != null) {
        // An oversized value is cut: the dead letter keeps its beginning and says how big it was.
        boolean prefix =
            d.value().length < c.value().length
                && Arrays.equals(d.value(), Arrays.copyOf(c.value(), d.value().length));
        if (!prefix || Integer.parseInt(originalSize) != c.value().length) {
          problems.add(c + ": truncated dead letter is not the beginning of the original");
        }
      } else if (!Arrays.equals(c.value(), d.value()) || !Arrays.equals(c.key(), d.key())) {
        problems.add(c + ": dead letter differs from the original record");
      }
    }
    for (int i = 0; i < cases.size(); i++) {
      HostileCase c = cases.get(i);
      boolean expectedDead = !c.valid();
      if (expectedDead && !deadOffsets.contains((long) i)) {
        problems.add(c + ": invalid but not dead-lettered: " + c.preview());
      } else if (c.valid()
          && deadOffsets.contains((long) i)
          // A generated event is valid alone, but its run's history is chance: it may repeat a
          // step.
          && !(c.category() == Category.GENERATED && rejectedInContext.contains((long) i))) {
        problems.add(c + ": valid but dead-lettered: " + reasonOf(dead, i));
      }
    }
    assertThat(problems).as("dead-letter problems").isEmpty();
    return deadOffsets;
  }

  /**
   * Valid events are processed: each one that must raise nonfinite_loss did, exactly once per run.
   * A generated event that its run's history refused (a random step below an earlier one of the
   * same short run id) is not processed, so it need not fire.
   */
  private static void assertProcessed(
      List<HostileCase> cases, Set<Long> deadOffsets, List<Alert> alerts) {
    Set<String> mustFire = new HashSet<>();
    for (int i = 0; i < cases.size(); i++) {
      HostileCase c = cases.get(i);
      if (c.valid()
          && !deadOffsets.contains((long) i)
          && decoded(c) instanceof BatchEvent b
          && !finite(b)) {
        mustFire.add(b.runId());
      }
    }
    List<String> fired =
        alerts.stream()
            .filter(a -> a.firing() && a.rule().equals("nonfinite_loss"))
            .map(Alert::runId)
            .toList();
    assertThat(new HashSet<>(fired))
        .as("runs whose non-finite loss raised an alert")
        .containsAll(mustFire);
    assertThat(fired).as("nonfinite_loss firings per run").doesNotHaveDuplicates();
    // The run that ended was not brought back by the NaN batch that came after its end.
    assertThat(
            alerts.stream()
                .filter(a -> a.runId().equals("hostile-ended"))
                .map(a -> a.status().wire()))
        .containsExactly("firing", "resolved");
    System.out.printf(
        "hostile input: %d runs with a valid non-finite batch, all alerted; %d alerts in all%n",
        mustFire.size(), alerts.size());
  }

  private static void report(List<HostileCase> cases, List<ConsumerRecord<byte[], byte[]>> dead) {
    Map<Long, String> stageByOffset = new HashMap<>();
    dead.forEach(
        d ->
            stageByOffset.put(
                Long.parseLong(
                    Objects.requireNonNull(
                        KafkaFixtures.header(d, "trainwatch.error.offset"), "offset header")),
                KafkaFixtures.header(d, "trainwatch.error.stage")));
    Map<Category, int[]> counts = new EnumMap<>(Category.class);
    for (int i = 0; i < cases.size(); i++) {
      int[] n = counts.computeIfAbsent(cases.get(i).category(), k -> new int[4]);
      n[0]++;
      String stage = stageByOffset.get((long) i);
      n[stage == null ? 1 : "run".equals(stage) ? 3 : 2]++;
    }
    int[] total = new int[4];
    System.out.printf(
        "hostile input through a running monitor (%d corpus + %d generated + context cases):%n",
        HostileCorpus.cases("x").size(), GENERATED);
    String line =
        "  %-24s tried %4d  processed %4d  dead-lettered %4d (unreadable %4d, out of run history %4d)%n";
    counts.forEach(
        (cat, n) -> {
          System.out.printf(line, cat, n[0], n[1], n[2] + n[3], n[2], n[3]);
          for (int k = 0; k < 4; k++) {
            total[k] += n[k];
          }
        });
    System.out.printf(line, "TOTAL", total[0], total[1], total[2] + total[3], total[2], total[3]);
    dead.stream()
        .limit(5)
        .forEach(
            d ->
                System.out.println(
                    "  e.g. reason: " + KafkaFixtures.header(d, "trainwatch.error.reason")));
  }

  /**
   * Random garbage and randomly mutated events; the verdict is the reader's, checked by
   * HostileInputDecodeTest. The seed is printed: {@code -Dhostile.seed=N} replays a run's exact
   * sample.
   */
  private static List<HostileCase> generated() {
    long seed = Long.getLong("hostile.seed", System.nanoTime());
    System.out.printf(
        "hostile input: generated sample seed %d (replay with -Dhostile.seed=%d)%n", seed, seed);
    HostileGenerators.seedSampling(seed);
    List<HostileCase> out = new ArrayList<>();
    HostileGenerators.mutatedEvents()
        .sampleStream()
        .limit(GENERATED * 3 / 4)
        .forEach(
            m -> {
              String key = m.original().runId();
              out.add(
                  HostileCase.of(
                      "mutated: " + m.mutation(),
                      Category.GENERATED,
                      key,
                      m.value(),
                      acceptedWithKey(m.value(), key)));
            });
    HostileGenerators.garbage()
        .sampleStream()
        .limit(GENERATED / 4)
        .forEach(
            g ->
                out.add(
                    HostileCase.of(
                        "garbage",
                        Category.GENERATED,
                        "garbage",
                        g,
                        acceptedWithKey(g, "garbage"))));
    return out;
  }

  /**
   * Events that are each valid but wrong in their run's history: a repeated step, a step going
   * backwards, a batch after run_ended (with a NaN loss: it must not bring the run back), a second
   * run_ended. Oversized records and a NaN batch stamped two days in the future (its alert must
   * still be publishable) come here too.
   */
  private static List<HostileCase> contextCases() {
    String id = "hostile-ended";
    long now = System.currentTimeMillis();
    List<HostileCase> out = new ArrayList<>();
    List<TrainingEvent> history = new ArrayList<>();
    history.add(HostileCorpus.runStarted(id, now));
    for (int s = 0; s < 5; s++) {
      history.add(HostileCorpus.batch(id, s, now + s));
    }
    history.forEach(
        e -> out.add(HostileCase.of("history", Category.CONTROL, id, EventCodec.encode(e), true)));
    out.add(
        HostileCase.of(
            "repeated step 4",
            Category.OUT_OF_ORDER,
            id,
            EventCodec.encode(HostileCorpus.batch(id, 4, now + 5)),
            false));
    out.add(
        HostileCase.of(
            "step going back to 1",
            Category.OUT_OF_ORDER,
            id,
            EventCodec.encode(HostileCorpus.batch(id, 1, now + 6)),
            false));
    out.add(
        HostileCase.of(
            "NaN at step 5: fires",
            Category.CONTROL,
            id,
            EventCodec.encode(nanBatch(id, 5, now + 7)),
            true));
    out.add(
        HostileCase.of(
            "run_ended",
            Category.CONTROL,
            id,
            EventCodec.encode(new RunEnded(id, now + 8, RunStatus.FAILED, "diverged")),
            true));
    out.add(
        HostileCase.of(
            "NaN batch after run_ended",
            Category.OUT_OF_ORDER,
            id,
            EventCodec.encode(nanBatch(id, 6, now + 9)),
            false));
    out.add(
        HostileCase.of(
            "second run_ended",
            Category.OUT_OF_ORDER,
            id,
            EventCodec.encode(new RunEnded(id, now + 10, RunStatus.COMPLETED, null)),
            false));

    String future = "hostile-future";
    out.add(
        HostileCase.of(
            "NaN batch stamped 2 days ahead",
            Category.ABSURD_COUNT,
            future,
            EventCodec.encode(nanBatch(future, 0, now + Duration.ofDays(2).toMillis())),
            true));
    String huge = "hostile-huge";
    var tree = HostileCorpus.tree(HostileCorpus.batch(huge, 0, now));
    ((ObjectNode) tree.get("input")).put("blob", "x".repeat(3_000_000));
    out.add(
        HostileCase.of(
            "3 MB record (valid JSON, stats open to extra fields)",
            Category.OVERSIZED,
            huge,
            HostileCorpus.bytes(tree),
            false));
    return out;
  }

  private static boolean acceptedWithKey(byte[] value, String key) {
    TrainingEvent e = decodeOrNull(value);
    return e != null && e.runId().equals(key);
  }

  private static TrainingEvent decoded(HostileCase c) {
    return decodeOrNull(c.value());
  }

  private static TrainingEvent decodeOrNull(byte[] value) {
    try {
      return EventCodec.decode(value);
    } catch (InvalidEventException e) {
      return null;
    }
  }

  private static boolean finite(BatchEvent b) {
    return Double.isFinite(b.loss()) && b.output().allFinite();
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

  private static String reasonOf(List<ConsumerRecord<byte[], byte[]>> dead, int offset) {
    return dead.stream()
        .filter(
            d -> String.valueOf(offset).equals(KafkaFixtures.header(d, "trainwatch.error.offset")))
        .map(d -> KafkaFixtures.header(d, "trainwatch.error.reason"))
        .findFirst()
        .orElse("?");
  }
}
