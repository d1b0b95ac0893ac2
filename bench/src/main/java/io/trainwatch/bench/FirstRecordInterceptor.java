package io.trainwatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Notes when a Kafka Streams application's main consumer hands out its first records, so throughput
 * is measured from the first record to the last commit and excludes startup (group join, {@code
 * initTransactions}, task creation). It also notes, per stream thread, the CPU time the thread had
 * used by its first record, so the CPU spent on the records can be told apart from startup's. One
 * application is measured at a time: {@link #reset()} before starting it.
 */
public final class FirstRecordInterceptor implements ConsumerInterceptor<byte[], byte[]> {

  private static final AtomicLong FIRST_NS = new AtomicLong();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Thread id → its CPU time (ns) at its first non-empty poll since {@link #reset()}. */
  private static final Map<Long, Long> CPU_AT_FIRST = new ConcurrentHashMap<>();

  /** Forgets the previous application's first record. */
  public static void reset() {
    FIRST_NS.set(0);
    CPU_AT_FIRST.clear();
  }

  /**
   * {@link System#nanoTime()} of the first non-empty poll since {@link #reset()}, or 0 if none yet.
   */
  public static long firstRecordNs() {
    return FIRST_NS.get();
  }

  /**
   * CPU time the polling threads have used since each one's first non-empty poll, summed, or -1
   * when the JVM does not measure thread CPU time. Call it before the application stops: a thread
   * that has ended is not counted.
   */
  public static long cpuNsSinceFirstRecord() {
    if (!cpuTimeSupported()) {
      return -1;
    }
    long sum = 0;
    for (Map.Entry<Long, Long> e : CPU_AT_FIRST.entrySet()) {
      long now = THREADS.getThreadCpuTime(e.getKey());
      if (now >= 0) {
        sum += now - e.getValue();
      }
    }
    return sum;
  }

  /** {@code true} if this JVM measures per-thread CPU time, {@code false} otherwise. */
  static boolean cpuTimeSupported() {
    return THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
  }

  /** CPU time of the calling thread in ns, or -1 when not measured. */
  static long currentThreadCpuNs() {
    return cpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
  }

  @Override
  public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
    if (!records.isEmpty()) {
      if (FIRST_NS.get() == 0) {
        FIRST_NS.compareAndSet(0, System.nanoTime());
      }
      long thread = Thread.currentThread().getId();
      if (!CPU_AT_FIRST.containsKey(thread)) {
        long cpu = currentThreadCpuNs();
        if (cpu >= 0) {
          CPU_AT_FIRST.putIfAbsent(thread, cpu);
        }
      }
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
