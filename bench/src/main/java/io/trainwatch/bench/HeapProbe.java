package io.trainwatch.bench;

import io.trainwatch.schemas.Topics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The child JVM of item 4: runs one application over everything on {@link Topics#EVENTS}, then,
 * still running with all runs in its state, collects garbage and prints its live heap and resident
 * memory on the last stdout line as {@code HEAP_PROBE heapUsedBytes=... rssKiB=...
 * eventsPerSecond=...}. Started with the heap limit under test ({@code -Xmx512m}) and {@code
 * -XX:+ExitOnOutOfMemoryError}, so "it fits" means it finished.
 *
 * <p>Arguments: {@code BOOTSTRAP APPLICATION_ID TIMEOUT_SECONDS APP [--monitor-config FILE]
 * [KEY=VALUE...]} (the application as {@link AppSpec#toArgs()} writes it).
 */
public final class HeapProbe {

  /** Prefix of the result line. */
  static final String RESULT = "HEAP_PROBE";

  private HeapProbe() {}

  public static void main(String[] args) {
    if (args.length < 4) {
      System.err.println(
          "usage: HeapProbe BOOTSTRAP APPLICATION_ID TIMEOUT_SECONDS APP [--monitor-config FILE] "
              + "[KEY=VALUE...]");
      System.exit(2);
    }
    StreamsApp app =
        AppSpec.fromArgs(java.util.Arrays.asList(args).subList(3, args.length)).create();
    String bootstrap = args[0];
    Map<TopicPartition, Long> end;
    try (TopicProbe probe = new TopicProbe(bootstrap)) {
      end = probe.endOffsets(probe.partitions(Topics.EVENTS));
    }
    long[] heap = new long[1];
    Throughput t =
        CatchUp.run(
            app,
            bootstrap,
            args[1],
            end,
            Map.of(),
            Duration.ofSeconds(Long.parseLong(args[2])),
            () -> heap[0] = liveHeapBytes());
    System.out.printf(
        Locale.ROOT,
        "%s heapUsedBytes=%d rssKiB=%d eventsPerSecond=%.0f%n",
        RESULT,
        heap[0],
        residentKiB(),
        t.recordsPerSecond());
    System.exit(0);
  }

  /** Heap in use after full collections: what the live objects need. */
  static long liveHeapBytes() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      CatchUp.sleep(Duration.ofMillis(200));
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Resident set size of this process, or -1 where /proc is missing. */
  static long residentKiB() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("VmRSS:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .findFirst()
          .orElse(-1);
    } catch (IOException e) {
      return -1;
    }
  }
}
