package io.trainwatch.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * How the benchmarks read the monitor's topics: as a downstream consumer would, with no group and
 * no commits, from the end (alerts raised from now on) or from the beginning to a known end (what a
 * topic holds).
 */
final class TopicReading {

  private TopicReading() {}

  /**
   * A consumer of {@code bootstrapServers} without a group: {@code read_committed} (what a
   * downstream consumer sees) or, with {@code committed} false, {@code read_uncommitted}.
   */
  static <K> KafkaConsumer<K, byte[]> consumer(
      String bootstrapServers, boolean committed, Deserializer<K> keys) {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            committed ? "read_committed" : "read_uncommitted",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false),
        keys,
        new ByteArrayDeserializer());
  }

  /** A {@code read_committed} consumer without a group, keys as bytes. */
  static KafkaConsumer<byte[], byte[]> committed(String bootstrapServers) {
    return consumer(bootstrapServers, true, new ByteArrayDeserializer());
  }

  /**
   * Assigns {@code consumer} every partition of {@code topic}, positioned at its end now (before
   * anything the caller then injects), so that only records from now on are read.
   */
  static void fromEnd(KafkaConsumer<?, ?> consumer, String topic) {
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // resolves the end now, not at the first poll
  }

  /** Reads the partitions of {@code end} from their beginning to those offsets, in order. */
  static <K> void readToEnd(
      KafkaConsumer<K, byte[]> consumer,
      Map<TopicPartition, Long> end,
      Consumer<ConsumerRecord<K, byte[]>> each) {
    consumer.assign(end.keySet());
    consumer.seekToBeginning(end.keySet());
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      consumer.poll(Duration.ofMillis(200)).forEach(each);
    }
  }
}
