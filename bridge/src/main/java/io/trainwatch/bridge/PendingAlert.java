package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * An alert consumed but not yet finished, with the record it came from (for the offset and the
 * dead-letter copy).
 */
final class PendingAlert {

  private final TopicPartition partition;
  private final Alert alert;
  private final ConsumerRecord<byte[], byte[]> source;

  /**
   * Set after a grouped message was rejected: deliver this alert alone so one bad alert cannot sink
   * the others.
   */
  private boolean isolated;

  PendingAlert(TopicPartition partition, Alert alert, ConsumerRecord<byte[], byte[]> source) {
    this.partition = partition;
    this.alert = alert;
    this.source = source;
  }

  TopicPartition partition() {
    return partition;
  }

  long offset() {
    return source.offset();
  }

  Alert alert() {
    return alert;
  }

  ConsumerRecord<byte[], byte[]> source() {
    return source;
  }

  boolean isolated() {
    return isolated;
  }

  void isolate() {
    isolated = true;
  }

  @Override
  public String toString() {
    return alert.alertId()
        + " r"
        + alert.revision()
        + " "
        + alert.status().wire()
        + " @"
        + partition
        + "/"
        + offset();
  }
}
