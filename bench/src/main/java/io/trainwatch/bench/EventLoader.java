package io.trainwatch.bench;

import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.TrainingEvent;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes a stream of events to a topic as fast as the broker takes them (the pre-load before a
 * throughput run).
 *
 * <p>Keyed by run id, like a trainer's publisher, so a run's events stay in order on one partition;
 * the record timestamp is the event's {@code ts_ms}.
 */
public final class EventLoader {

  /** Producer settings for bulk loading: big lz4 batches, every record acknowledged. */
  static Map<String, Object> producerConfig(String bootstrapServers) {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers,
        ProducerConfig.ACKS_CONFIG,
        "all",
        ProducerConfig.LINGER_MS_CONFIG,
        20,
        ProducerConfig.BATCH_SIZE_CONFIG,
        256 * 1024,
        ProducerConfig.COMPRESSION_TYPE_CONFIG,
        "lz4",
        ProducerConfig.BUFFER_MEMORY_CONFIG,
        64L * 1024 * 1024);
  }

  private EventLoader() {}

  /**
   * Sends every event and waits until all are acknowledged.
   *
   * @return what was written
   * @throws IllegalStateException if any send failed
   */
  public static LoadResult load(
      String bootstrapServers, String topic, Iterator<TrainingEvent> events) {
    AtomicReference<Exception> failure = new AtomicReference<>();
    long count = 0;
    long bytes = 0;
    long start = System.nanoTime();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            producerConfig(bootstrapServers), new StringSerializer(), new ByteArraySerializer())) {
      while (events.hasNext() && failure.get() == null) {
        TrainingEvent event = events.next();
        byte[] value = EventCodec.encode(event);
        producer.send(
            new ProducerRecord<>(topic, null, event.tsMs(), event.runId(), value),
            (metadata, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              }
            });
        count++;
        bytes += value.length;
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException(
          "pre-load to " + topic + " failed: " + failure.get().getMessage(), failure.get());
    }
    return new LoadResult(count, bytes, System.nanoTime() - start);
  }

  /**
   * What a pre-load wrote.
   *
   * @param events records written
   * @param valueBytes total size of the JSON values, uncompressed
   * @param elapsedNs wall time of the load including the final flush
   */
  public record LoadResult(long events, long valueBytes, long elapsedNs) {

    /** Mean JSON size of one event, bytes. */
    public double meanEventBytes() {
      return events == 0 ? 0 : (double) valueBytes / events;
    }

    /** Load rate, events per second. */
    public double eventsPerSecond() {
      return events / (elapsedNs / 1e9);
    }
  }
}
