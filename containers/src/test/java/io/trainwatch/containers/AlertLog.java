package io.trainwatch.containers;

import static org.awaitility.Awaitility.await;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Everything committed to {@code trainwatch.alerts}, read from the start as a downstream consumer
 * would (read_committed), decoded with the contract's codec. The topic may not exist yet when
 * reading starts: the monitor creates it.
 */
final class AlertLog implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<Alert> alerts = new ArrayList<>();
  private long firstAlertNanos;

  AlertLog(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "trainwatch-container-test-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Notice the topic soon after the monitor creates it.
    props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(Topics.ALERTS));
  }

  /**
   * Reads until {@code done} holds for the alerts read so far, or {@code timeout} passes; returns
   * them all.
   */
  List<Alert> readUntil(Predicate<List<Alert>> done, Duration timeout) {
    try {
      reading(timeout).until(() -> done.test(alerts) || pollThen(() -> done.test(alerts)));
    } catch (ConditionTimeoutException e) {
      // The caller's assertion reports what was read.
    }
    return List.copyOf(alerts);
  }

  /**
   * Reads up to the end of the topic as it is now (the last stable offset, since this consumer
   * reads committed records only) and returns every alert read so far.
   */
  List<Alert> readToEnd(Duration timeout) {
    long started = System.nanoTime();
    try {
      reading(timeout)
          .until(
              () ->
                  !consumer.assignment().isEmpty()
                      || pollThen(() -> !consumer.assignment().isEmpty()));
    } catch (ConditionTimeoutException e) {
      // Nothing assigned: there is no end to reach (an empty topic list), as before.
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    Duration left = timeout.minusNanos(System.nanoTime() - started);
    try {
      reading(left.isNegative() ? Duration.ZERO : left)
          .until(() -> reached(end) || pollThen(() -> reached(end)));
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException(
          "did not reach the end of " + Topics.ALERTS + " " + end + " in " + timeout, e);
    }
    return List.copyOf(alerts);
  }

  /** Awaitility in this thread (the consumer is not thread-safe), polling back to back. */
  private static ConditionFactory reading(Duration timeout) {
    return await()
        .atMost(timeout.plusMillis(1))
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1));
  }

  /** Polls once, then tells whether {@code done} holds. */
  private boolean pollThen(java.util.function.BooleanSupplier done) {
    poll();
    return done.getAsBoolean();
  }

  /** {@link System#nanoTime()} when the first alert was read, or 0 if none was. */
  long firstAlertNanos() {
    return firstAlertNanos;
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  private void poll() {
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
      alerts.add(AlertCodec.decode(record.value()));
      if (firstAlertNanos == 0) {
        firstAlertNanos = System.nanoTime();
      }
    }
  }

  @Override
  public void close() {
    consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
  }
}
