package io.trainwatch.monitor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Counts what Kafka Streams restores from the changelogs, for {@link Monitor#start}: whether a
 * restore is under way (a start that outlasts its timeout is then waited for) and how far it got.
 * Called from the restore threads; read from the starting thread.
 */
final class RestoreProgress implements StateRestoreListener {

  private final AtomicInteger partitionsStarted = new AtomicInteger();
  private final AtomicInteger partitionsDone = new AtomicInteger();
  private final AtomicLong recordsToRestore = new AtomicLong();
  private final AtomicLong recordsRestored = new AtomicLong();

  @Override
  public void onRestoreStart(
      TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
    partitionsStarted.incrementAndGet();
    recordsToRestore.addAndGet(Math.max(0, endingOffset - startingOffset));
  }

  @Override
  public void onBatchRestored(
      TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
    recordsRestored.addAndGet(numRestored);
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
    partitionsDone.incrementAndGet();
  }

  /** Whether any changelog partition began to be restored. */
  boolean started() {
    return partitionsStarted.get() > 0;
  }

  /** E.g. {@code "41 of 60 changelog partitions done, 350000 of about 600000 records"}. */
  String describe() {
    return partitionsDone.get()
        + " of "
        + partitionsStarted.get()
        + " changelog partitions done, "
        + recordsRestored.get()
        + " of about "
        + recordsToRestore.get()
        + " records";
  }
}
