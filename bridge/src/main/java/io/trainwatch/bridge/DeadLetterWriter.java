package io.trainwatch.bridge;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes records the bridge cannot deliver to its dead-letter topic, unchanged, with why in {@code
 * trainwatch.bridge.*} headers (reasons redacted), and makes those writes durable before the
 * offsets past them are committed ({@link #confirm}), so that no dead letter is lost to a crash.
 */
final class DeadLetterWriter {

  private final BridgeConfig config;
  private final Producer<byte[], byte[]> producer;
  private final Redactor redactor;
  private final Clock clock;
  private final BridgeStats stats;
  private final List<Future<RecordMetadata>> unconfirmed = new ArrayList<>();

  DeadLetterWriter(
      BridgeConfig config, Producer<byte[], byte[]> producer, Clock clock, BridgeStats stats) {
    this.config = config;
    this.producer = producer;
    this.redactor = config.redactor();
    this.clock = clock;
    this.stats = stats;
  }

  /** Sends {@code r} to the dead-letter topic with {@code reason}; returns before it is durable. */
  void write(ConsumerRecord<byte[], byte[]> r, String reason) {
    RecordHeaders h = new RecordHeaders(r.headers().toArray());
    h.add(AlertBridge.REASON_HEADER, bytes(redactor.redact(reason)));
    h.add(AlertBridge.HEADER_PREFIX + "name", bytes(config.name()));
    h.add(AlertBridge.HEADER_PREFIX + "destination", bytes(config.destination().wire()));
    h.add(
        AlertBridge.HEADER_PREFIX + "source",
        bytes(r.topic() + "-" + r.partition() + "@" + r.offset()));
    h.add(AlertBridge.HEADER_PREFIX + "failed_at", bytes(clock.instant().toString()));
    unconfirmed.add(
        producer.send(new ProducerRecord<>(config.dlqTopic(), null, r.key(), r.value(), h)));
    stats.deadLettered.incrementAndGet();
  }

  /**
   * Waits until every dead letter written so far is durable.
   *
   * @throws BridgeException if one could not be written: the bridge must stop without committing
   */
  void confirm() {
    if (unconfirmed.isEmpty()) {
      return;
    }
    producer.flush();
    try {
      for (Future<RecordMetadata> f : unconfirmed) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new BridgeException(
          "dead-letter topic "
              + config.dlqTopic()
              + ": write failed ("
              + e.getCause()
              + "); stopping without committing, so the records are redelivered",
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BridgeException("interrupted while confirming dead-letter writes", e);
    }
    unconfirmed.clear();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
