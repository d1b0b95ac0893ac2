package io.trainwatch.bridge;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link DeliveryLedger} in a compacted topic (key alert_id, value the last finished
 * revision), so that it survives restarts and moves with partitions between bridge instances.
 *
 * <p>Each entry is written synchronously, before the next emission of the same alert is attempted:
 * after a crash the ledger therefore holds every finished revision except possibly the very last
 * one per alert, which is then sent again (at-least-once), and no emission older than a finished
 * one is ever sent.
 */
final class LedgerTopic {

  private static final Logger LOG = LoggerFactory.getLogger(LedgerTopic.class);

  private final String topic;
  private final Producer<byte[], byte[]> producer;
  private final Consumer<byte[], byte[]> reader;
  private final DeliveryLedger ledger;
  private final Duration writeTimeout;
  private List<TopicPartition> partitions;

  LedgerTopic(
      String topic,
      Producer<byte[], byte[]> producer,
      Consumer<byte[], byte[]> reader,
      DeliveryLedger ledger,
      Duration writeTimeout) {
    this.topic = topic;
    this.producer = producer;
    this.reader = reader;
    this.ledger = ledger;
    this.writeTimeout = writeTimeout;
  }

  /**
   * Reads what other instances (or an earlier run) wrote, up to the topic's current end.
   *
   * @throws BridgeException if the end is not reached within {@code timeout}
   */
  void catchUp(Duration timeout) {
    if (partitions == null) {
      List<PartitionInfo> infos = reader.partitionsFor(topic, timeout);
      long until = System.nanoTime() + timeout.toNanos();
      // A topic created a moment ago may not be in this client's metadata yet.
      while ((infos == null || infos.isEmpty()) && System.nanoTime() - until < 0) {
        sleep(Duration.ofMillis(100));
        infos = reader.partitionsFor(topic, timeout);
      }
      if (infos == null || infos.isEmpty()) {
        throw new BridgeException("state topic " + topic + ": not found");
      }
      partitions = new ArrayList<>();
      infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
      reader.assign(partitions);
      reader.seekToBeginning(partitions);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<TopicPartition, Long> end = reader.endOffsets(partitions, timeout);
    int read = 0;
    while (!reachedEnd(end)) {
      if (System.nanoTime() - deadline > 0) {
        throw new BridgeException(
            "state topic " + topic + ": could not read to its end within " + timeout);
      }
      for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(100))) {
        read++;
        apply(r);
      }
    }
    LOG.debug("state topic {}: read {} entries, {} alerts known", topic, read, ledger.size());
  }

  /**
   * Durably records a finished emission, then applies it to the in-memory ledger.
   *
   * @throws BridgeException if the broker does not acknowledge the write: without it the
   *     no-re-trigger guarantee would not hold, so the bridge stops (and redelivers on restart)
   */
  void record(String alertId, DeliveryLedger.Entry entry) {
    try {
      producer
          .send(
              new ProducerRecord<>(topic, alertId.getBytes(StandardCharsets.UTF_8), entry.toJson()))
          .get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new BridgeException(
          "state topic "
              + topic
              + ": cannot record "
              + alertId
              + " revision "
              + entry.revision()
              + " ("
              + cause
              + ")",
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BridgeException("interrupted while recording " + alertId + " in " + topic, e);
    }
    ledger.apply(alertId, entry);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BridgeException("interrupted while waiting for the state topic", e);
    }
  }

  private boolean reachedEnd(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (reader.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null || r.value() == null) {
      return;
    }
    String alertId = new String(r.key(), StandardCharsets.UTF_8);
    try {
      ledger.apply(alertId, DeliveryLedger.Entry.fromJson(r.value()));
    } catch (IllegalArgumentException e) {
      LOG.warn(
          "state topic {}: skipping unreadable entry for {} at offset {}: {}",
          topic,
          alertId,
          r.offset(),
          e.getMessage());
    }
  }
}
