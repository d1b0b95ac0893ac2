package io.trainwatch.monitor.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ObjectCacheStore} under a real task (TopologyTestDriver, which commits after every input
 * record): what the processor and other readers see, what reaches the changelog, and what a
 * processor that fails midway leaves behind.
 */
class ObjectCacheStoreTest {

  private static final String STORE = "counts";
  private static final String APP = "object-cache-test";

  /** A mutable value, as the monitor's run states are. */
  static final class Count {
    long n;

    Count(long n) {
      this.n = n;
    }
  }

  /**
   * Per key: adds one to its count (the cached object, changed in place); value "boom" throws after
   * changing it; "delete" deletes; "scan" writes key "scanned", deletes key "gone" and forwards
   * what {@code all()} returns then.
   */
  static final class Counting extends ContextualProcessor<String, String, String, String> {
    private ObjectCacheStore<Count> counts;

    @Override
    public void init(ProcessorContext<String, String> context) {
      super.init(context);
      counts = ObjectCacheStore.of(context.getStateStore(STORE));
    }

    @Override
    public void process(Record<String, String> record) {
      String key = record.key();
      try {
        switch (record.value()) {
          case "delete" -> counts.delete(key);
          case "range" -> {
            // Pending writes within the range: a new key, a changed one, a deleted one.
            counts.put("k2", new Count(20));
            counts.put("k4", new Count(40));
            counts.delete("k3");
            List<String> seen = new ArrayList<>();
            try (KeyValueIterator<String, Count> it = counts.range("k1", "k4")) {
              it.forEachRemaining(kv -> seen.add(kv.key + "=" + kv.value.n));
            }
            seen.add("|");
            try (KeyValueIterator<String, Count> it =
                counts.prefixScan("k", new StringSerializer())) {
              it.forEachRemaining(kv -> seen.add(kv.key + "=" + kv.value.n));
            }
            seen.add("|");
            counts.writePendingNow();
            try (KeyValueIterator<String, Count> it = counts.range("k2", null)) {
              it.forEachRemaining(kv -> seen.add(kv.key + "=" + kv.value.n));
            }
            context().forward(record.withValue(String.join(" ", seen)));
          }
          case "scan" -> {
            counts.put("scanned", new Count(7));
            counts.delete("gone");
            Map<String, Long> seen = new TreeMap<>();
            try (KeyValueIterator<String, Count> it = counts.all()) {
              it.forEachRemaining(kv -> seen.put(kv.key, kv.value.n));
            }
            context().forward(record.withValue(seen.toString()));
          }
          default -> {
            Count c = counts.cached(key);
            if (c == null) {
              c = new Count(0);
            }
            c.n++;
            if (record.value().equals("boom")) {
              throw new IllegalStateException("boom");
            }
            counts.put(key, c);
            context().forward(record.withValue(Long.toString(c.n)));
          }
        }
      } catch (RuntimeException e) {
        counts.forget(key);
        throw e;
      }
    }
  }

  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, String> in;
  private TestOutputTopic<String, String> out;

  @BeforeEach
  void start() {
    Topology t = new Topology();
    t.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
    t.addProcessor("count", Counting::new, "in");
    t.addStateStore(
        ObjectCacheStore.<Count>builder(
            Stores.persistentKeyValueStore(STORE),
            c -> Long.toString(c.n).getBytes(StandardCharsets.UTF_8),
            b -> new Count(Long.parseLong(new String(b, StandardCharsets.UTF_8))),
            2,
            1 << 20),
        "count");
    t.addSink("out", "out", new StringSerializer(), new StringSerializer(), "count");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueProcessingExceptionHandler.class.getName());
    driver = new TopologyTestDriver(t, p);
    in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
    out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void shouldKeepCountingThroughTheCachedObjects() {
    for (int i = 0; i < 3; i++) {
      in.pipeInput("a", "x");
    }
    in.pipeInput("b", "x");

    assertThat(out.readValuesToList()).containsExactly("1", "2", "3", "1");
    KeyValueStore<String, Count> store = driver.getKeyValueStore(STORE);
    assertThat(store.get("a").n).isEqualTo(3);
    assertThat(store.get("b").n).isEqualTo(1);
    assertThat(store.get("c")).isNull();
  }

  @Test
  void shouldDecodeWhatWasWrittenForOtherReadersNeverTheCachedObject() {
    in.pipeInput("a", "x");
    KeyValueStore<String, Count> store = driver.getKeyValueStore(STORE);

    Count read = store.get("a");
    read.n = 100; // a reader's copy: changing it changes nothing stored

    in.pipeInput("a", "x");
    assertThat(out.readValuesToList()).containsExactly("1", "2");
    assertThat(store.get("a").n).isEqualTo(2);
    assertThat(store.get("a")).isNotSameAs(store.get("a"));
  }

  @Test
  void shouldForgetTheHalfChangedObjectOfAFailedRecord() {
    in.pipeInput("a", "x");
    in.pipeInput("a", "x");
    in.pipeInput("a", "boom"); // changes the cached count to 3, then fails

    in.pipeInput("a", "x");

    assertThat(out.readValuesToList()).containsExactly("1", "2", "3");
    assertThat(driver.getKeyValueStore(STORE).get("a"))
        .extracting(c -> ((Count) c).n)
        .isEqualTo(3L);
  }

  @Test
  void shouldReadKeysEvictedFromTheObjectsFromTheStore() {
    // Two objects at most: a, b, c, d evict each other; their counts come back from the store.
    for (int round = 0; round < 3; round++) {
      for (String key : List.of("a", "b", "c", "d")) {
        in.pipeInput(key, "x");
      }
    }

    assertThat(out.readValuesToList())
        .containsExactly("1", "1", "1", "1", "2", "2", "2", "2", "3", "3", "3", "3");
  }

  @Test
  void shouldWriteEachCommittedValueToTheChangelogStampedWithItsRecord() {
    in.pipeInput("a", "x", 1_000L);
    in.pipeInput("a", "x", 2_000L);
    in.pipeInput("a", "delete", 3_000L);

    TestOutputTopic<String, String> changelog =
        driver.createOutputTopic(
            APP + "-" + STORE + "-changelog", new StringDeserializer(), new StringDeserializer());
    List<KeyValue<String, String>> records = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    for (TestRecord<String, String> r : changelog.readRecordsToList()) {
      records.add(KeyValue.pair(r.key(), r.value()));
      times.add(r.timestamp());
    }
    assertThat(records)
        .containsExactly(
            KeyValue.pair("a", "1"), KeyValue.pair("a", "2"), KeyValue.pair("a", null));
    assertThat(times).containsExactly(1_000L, 2_000L, 3_000L);
    assertThat(driver.getKeyValueStore(STORE).get("a")).isNull();
  }

  @Test
  void shouldAnswerAllWithTheWritesNotYetCommittedLaidOverTheStore() {
    in.pipeInput("a", "x");
    in.pipeInput("gone", "x");
    in.pipeInput("a", "x");

    in.pipeInput("any", "scan");

    assertThat(out.readValuesToList()).containsExactly("1", "1", "2", "{a=2, scanned=7}");
    KeyValueStore<String, Count> store = driver.getKeyValueStore(STORE);
    try (KeyValueIterator<String, Count> it = store.all()) {
      Map<String, Long> all = new TreeMap<>();
      it.forEachRemaining(kv -> all.put(kv.key, kv.value.n));
      assertThat(all).containsExactly(Map.entry("a", 2L), Map.entry("scanned", 7L));
    }
  }

  @Test
  void shouldKnowAKeyIsAbsentAfterDeletingIt() {
    in.pipeInput("a", "x");
    in.pipeInput("a", "delete");
    in.pipeInput("a", "x");

    assertThat(out.readValuesToList()).containsExactly("1", "1");
    assertThat(driver.getKeyValueStore(STORE).get("a"))
        .extracting(c -> ((Count) c).n)
        .isEqualTo(1L);
  }

  @Test
  void shouldAnswerRangesAndPrefixScansInKeyOrderWithThePendingWritesLaidOver() {
    for (String key : List.of("k1", "k3", "k4", "k5", "l1")) {
      in.pipeInput(key, "x");
    }

    in.pipeInput("any", "range");

    assertThat(out.readValuesToList())
        .containsExactly(
            "1",
            "1",
            "1",
            "1",
            "1",
            "k1=1 k2=20 k4=40 | k1=1 k2=20 k4=40 k5=1 | k2=20 k4=40 k5=1 l1=1");
    KeyValueStore<String, Count> store = driver.getKeyValueStore(STORE);
    List<String> committed = new ArrayList<>();
    try (KeyValueIterator<String, Count> it = store.range("k0", "k9")) {
      it.forEachRemaining(kv -> committed.add(kv.key + "=" + kv.value.n));
    }
    assertThat(committed).containsExactly("k1=1", "k2=20", "k4=40", "k5=1");
  }
}
