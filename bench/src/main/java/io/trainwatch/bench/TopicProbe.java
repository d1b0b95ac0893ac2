package io.trainwatch.bench;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads offsets from the broker: the end of a topic, and how far a consumer group has committed.
 */
public final class TopicProbe implements AutoCloseable {

  private final Admin admin;

  public TopicProbe(String bootstrapServers) {
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  /** The partitions of a topic. */
  public Set<TopicPartition> partitions(String topic) {
    return get(admin.describeTopics(List.of(topic)).allTopicNames())
        .get(topic)
        .partitions()
        .stream()
        .map(p -> new TopicPartition(topic, p.partition()))
        .collect(Collectors.toUnmodifiableSet());
  }

  /** The log-end offset of every partition (with transactions: past the last marker). */
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetSpec> request =
        partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result =
        get(admin.listOffsets(request).all());
    return result.entrySet().stream()
        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  /** Total records up to the end offsets of a topic. */
  public long size(String topic) {
    return endOffsets(partitions(topic)).values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * The offsets a consumer group (a Kafka Streams application id) has committed; empty before its
   * first commit.
   */
  public Map<TopicPartition, Long> committed(String groupId) {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        get(admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata());
    return offsets.entrySet().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  /**
   * {@code true} if the group has committed every partition up to {@code end}, {@code false}
   * otherwise.
   */
  public boolean caughtUp(String groupId, Map<TopicPartition, Long> end) {
    Map<TopicPartition, Long> committed = committed(groupId);
    return end.entrySet().stream()
        .allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
  }

  /** Topic names on the broker. */
  public Set<String> topics() {
    return get(admin.listTopics().names());
  }

  public Admin admin() {
    return admin;
  }

  @Override
  public void close() {
    admin.close();
  }

  static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
