package io.trainwatch.bench;

import io.trainwatch.schemas.EventCodec;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The physical limit a monitor is compared with: a plain {@link KafkaConsumer} reading a topic from
 * the beginning to its end on the same broker, with consumer defaults (no group, no commits).
 */
public final class RawConsumer {

  /** What the consumer does with each record. */
  public enum Work {
    /** Nothing: only fetching and decompressing, the transport's limit. */
    NONE,
    /**
     * Parses each value with {@link EventCodec#decode}: how much of the gap JSON parsing explains.
     */
    DECODE
  }

  private RawConsumer() {}

  /**
   * Reads every partition of {@code topic} from offset 0 to {@code end}.
   *
   * @return records read and the time from the first fetched record to the last
   */
  public static Throughput readToEnd(
      String bootstrapServers, Map<TopicPartition, Long> end, Work work) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    long expected = end.values().stream().mapToLong(Long::longValue).sum();
    long records = 0;
    long sink = 0;
    long firstNs = 0;
    long firstCpuNs = -1;
    long start = System.nanoTime();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Set<TopicPartition> partitions = end.keySet();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (!reached(consumer, end)) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        if (!batch.isEmpty() && firstNs == 0) {
          firstNs = System.nanoTime();
          firstCpuNs = FirstRecordInterceptor.currentThreadCpuNs();
        }
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          records++;
          sink += work == Work.DECODE ? EventCodec.decode(r.value()).tsMs() : r.value().length;
        }
        if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
          throw new IllegalStateException(
              "raw consumer read " + records + " of " + expected + " records in 10 min");
        }
      }
    }
    long endNs = System.nanoTime();
    long endCpuNs = FirstRecordInterceptor.currentThreadCpuNs();
    Blackhole.consume(sink);
    // The classic consumer fetches and decompresses on this thread: its CPU time is the reader's.
    long cpuNs = firstCpuNs < 0 || endCpuNs < 0 ? -1 : endCpuNs - firstCpuNs;
    return new Throughput(records, endNs - firstNs, endNs - start, cpuNs);
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Keeps the JIT from removing work whose result is otherwise unused. */
  static final class Blackhole {
    static volatile long sink;

    static void consume(long value) {
      sink += value;
    }

    private Blackhole() {}
  }
}
