package io.trainwatch.app;

import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether a monitor has read everything there is: its committed offsets at the end of {@code
 * trainwatch.events} and of every other topic it commits on (its repartition topics, through which
 * it passes records to itself), the ends as a {@code read_committed} reader sees them. Once it has,
 * every alert it will raise on those events is committed to the alert topic (wall-clock rules
 * aside): how {@code ./trainwatch evaluate} and the end-to-end tests know the monitor is done,
 * soundly rather than after a fixed time.
 */
public final class MonitorCatchUp {

  private static final Duration POLL = Duration.ofMillis(200);

  private MonitorCatchUp() {}

  /**
   * Waits until the monitor of {@code applicationId} has caught up, polling every 200 ms.
   *
   * @return {@code true} once caught up, {@code false} if it has not after {@code timeout}
   */
  public static boolean await(String bootstrap, String applicationId, Duration timeout)
      throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      while (!caughtUp(admin, applicationId)) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        Thread.sleep(POLL.toMillis());
      }
      return true;
    }
  }

  /** {@code true} if the monitor of {@code applicationId} has committed every topic's end. */
  public static boolean caughtUp(Admin admin, String applicationId)
      throws InterruptedException, ExecutionException {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
    Set<TopicPartition> partitions = new HashSet<>(committed.keySet());
    admin
        .describeTopics(List.of(Topics.EVENTS))
        .allTopicNames()
        .get()
        .get(Topics.EVENTS)
        .partitions()
        .forEach(p -> partitions.add(new TopicPartition(Topics.EVENTS, p.partition())));
    Map<TopicPartition, OffsetSpec> latest =
        partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
    var ends =
        admin
            .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .all()
            .get();
    return partitions.stream()
        .allMatch(
            p ->
                ends.get(p).offset() == 0
                    || committed.get(p) != null
                        && committed.get(p).offset() >= ends.get(p).offset());
  }
}
