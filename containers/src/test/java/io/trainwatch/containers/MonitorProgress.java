package io.trainwatch.containers;

import static org.awaitility.Awaitility.await;

import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Whether the monitor has processed everything on {@code trainwatch.events}: its group's committed
 * offsets have reached the end of every partition. Once it has, any alert those events cause is on
 * {@code trainwatch.alerts} (the monitor commits its input offsets only with, or after, its
 * output), so "no alert" can be asserted without guessing how long to wait.
 */
final class MonitorProgress {

  static final String MONITOR_GROUP = "trainwatch-monitor";

  private MonitorProgress() {}

  static void awaitCaughtUp(String bootstrapServers, Duration timeout) throws InterruptedException {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    AtomicReference<Map<TopicPartition, Long>> lag = new AtomicReference<>(Map.of());
    try (Admin admin = Admin.create(props)) {
      await("the monitor caught up with " + Topics.EVENTS)
          .atMost(timeout)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                lag.set(lag(admin));
                return lag.get().values().stream().allMatch(l -> l == 0);
              });
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException(
          "the monitor did not catch up with "
              + Topics.EVENTS
              + " in "
              + timeout
              + "; lag per partition: "
              + lag.get(),
          e);
    }
  }

  private static Map<TopicPartition, Long> lag(Admin admin) throws InterruptedException {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(MONITOR_GROUP).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest =
          admin
              .describeTopics(java.util.List.of(Topics.EVENTS))
              .allTopicNames()
              .get()
              .get(Topics.EVENTS)
              .partitions()
              .stream()
              .collect(
                  Collectors.toMap(
                      p -> new TopicPartition(Topics.EVENTS, p.partition()),
                      p -> OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
      return ends.entrySet().stream()
          .collect(
              Collectors.toMap(
                  Map.Entry::getKey,
                  e -> {
                    OffsetAndMetadata done = committed.get(e.getKey());
                    return e.getValue().offset() - (done == null ? 0 : done.offset());
                  }));
    } catch (ExecutionException e) {
      // The topic or the group may not exist yet.
      return Map.of(new TopicPartition(Topics.EVENTS, -1), -1L);
    }
  }
}
