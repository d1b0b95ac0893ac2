package io.trainwatch.bench;

import io.trainwatch.schemas.util.Quantiles;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Per-run state size as the monitor really stores it: the latest value of each key in each of an
 * application's changelog topics, which is exactly the serialized state a restore reads back.
 */
public final class ChangelogSizes {

  /**
   * Sizes of one store's current values.
   *
   * @param store the store name (the changelog topic without the application id and {@code
   *     -changelog})
   * @param keys live keys (runs)
   * @param medianBytes median serialized value size
   * @param p99Bytes 99th percentile (nearest rank)
   * @param maxBytes largest value
   * @param meanKeyBytes mean key size (the run id)
   */
  public record StoreSize(
      String store,
      int keys,
      long medianBytes,
      long p99Bytes,
      long maxBytes,
      double meanKeyBytes) {}

  private ChangelogSizes() {}

  /**
   * Reads every changelog topic of {@code applicationId} to its end, counting the keys that match.
   */
  public static List<StoreSize> measure(
      String bootstrapServers, String applicationId, Predicate<String> keys) {
    List<StoreSize> out = new ArrayList<>();
    try (TopicProbe probe = new TopicProbe(bootstrapServers)) {
      String prefix = applicationId + "-";
      for (String topic : new java.util.TreeSet<>(probe.topics())) {
        if (topic.startsWith(prefix) && topic.endsWith("-changelog")) {
          String store = topic.substring(prefix.length(), topic.length() - "-changelog".length());
          out.add(
              measureTopic(
                  bootstrapServers, store, probe.endOffsets(probe.partitions(topic)), keys));
        }
      }
    }
    return out;
  }

  private static StoreSize measureTopic(
      String bootstrapServers,
      String store,
      Map<TopicPartition, Long> end,
      Predicate<String> keys) {
    Map<String, Integer> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        TopicReading.consumer(bootstrapServers, true, new StringDeserializer())) {
      TopicReading.readToEnd(
          consumer,
          end,
          r -> {
            if (!keys.test(r.key())) {
              return;
            }
            if (r.value() == null) {
              latest.remove(r.key());
            } else {
              latest.put(r.key(), r.value().length);
            }
          });
    }
    long[] sizes = latest.values().stream().mapToLong(Integer::longValue).sorted().toArray();
    double meanKey =
        latest.keySet().stream()
            .mapToInt(k -> k.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
            .average()
            .orElse(0);
    if (sizes.length == 0) {
      return new StoreSize(store, 0, 0, 0, 0, 0);
    }
    return new StoreSize(
        store,
        sizes.length,
        Quantiles.percentileOfSorted(sizes, 50),
        Quantiles.percentileOfSorted(sizes, 99),
        sizes[sizes.length - 1],
        meanKey);
  }
}
