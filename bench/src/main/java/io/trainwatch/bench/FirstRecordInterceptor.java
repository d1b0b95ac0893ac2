package io.trainwatch.bench;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Notes when a Kafka Streams application's main consumer hands out its first records, so throughput
 * is measured from the first record to the last commit and excludes startup (group join, {@code
 * initTransactions}, task creation). One application is measured at a time: {@link #reset()} before
 * starting it.
 */
public final class FirstRecordInterceptor implements ConsumerInterceptor<byte[], byte[]> {

  private static final AtomicLong FIRST_NS = new AtomicLong();

  /** Forgets the previous application's first record. */
  public static void reset() {
    FIRST_NS.set(0);
  }

  /**
   * {@link System#nanoTime()} of the first non-empty poll since {@link #reset()}, or 0 if none yet.
   */
  public static long firstRecordNs() {
    return FIRST_NS.get();
  }

  @Override
  public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
    if (!records.isEmpty() && FIRST_NS.get() == 0) {
      FIRST_NS.compareAndSet(0, System.nanoTime());
    }
    return records;
  }

  @Override
  public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

  @Override
  public void close() {}

  @Override
  public void configure(Map<String, ?> configs) {}
}
