package io.trainwatch.bench;

import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The floor under any per-run monitor: one stream thread, exactly-once, that decodes each event
 * with {@link EventCodec} and reads and writes an 8-byte per-run counter in a changelogged
 * in-memory store. Whatever the monitor costs above this is its own work (rules, state encoding,
 * alerts); whatever this costs above the raw consumer is JSON decoding plus Kafka Streams.
 */
public final class ReferenceStreamsApp implements StreamsApp {

  static final String STORE = "run-counters";

  private final Map<String, String> streamsProperties;
  private final boolean decode;

  public ReferenceStreamsApp() {
    this(Map.of());
  }

  /** With extra Kafka Streams settings (they win over the defaults below). */
  public ReferenceStreamsApp(Map<String, String> streamsProperties) {
    this(streamsProperties, true);
  }

  /**
   * With extra settings, decoding each event or not.
   *
   * @param decode {@code false} counts per record key (the run id) without reading the value: what
   *     Kafka Streams with exactly-once and a changelogged store costs on its own
   */
  public ReferenceStreamsApp(Map<String, String> streamsProperties, boolean decode) {
    this.streamsProperties = Map.copyOf(streamsProperties);
    this.decode = decode;
  }

  @Override
  public String name() {
    return decode
        ? "minimal Streams app (decode + per-run get/put, EOS)"
        : "minimal Streams app (per-run get/put by key, no decode, EOS)";
  }

  /** The topology: events in, a counter per run, nothing out. */
  Topology topology() {
    Topology t = new Topology();
    t.addSource(
        "events", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.EVENTS);
    t.addProcessor("count", () -> new CountingProcessor(decode), "events");
    t.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray()),
        "count");
    return t;
  }

  @Override
  public Running start(
      String bootstrapServers, String applicationId, Path stateDir, Map<String, Object> overrides) {
    Map<String, Object> config = new HashMap<>();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    config.putAll(streamsProperties);
    config.putAll(overrides);
    KafkaStreams streams = new KafkaStreams(topology(), new StreamsConfig(config));
    streams.start();
    return () -> {
      streams.close(Duration.ofSeconds(30));
      streams.cleanUp();
    };
  }

  private static final class CountingProcessor implements Processor<String, byte[], Void, Void> {
    private final boolean decode;
    private KeyValueStore<String, byte[]> store;

    CountingProcessor(boolean decode) {
      this.decode = decode;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      String runId = decode ? EventCodec.decode(record.value()).runId() : record.key();
      byte[] previous = store.get(runId);
      long count = previous == null ? 0 : ByteBuffer.wrap(previous).getLong();
      store.put(runId, ByteBuffer.allocate(Long.BYTES).putLong(count + 1).array());
    }
  }
}
