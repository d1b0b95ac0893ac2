package io.trainwatch.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Runs a {@link StreamsApp} over a pre-loaded topic from the beginning until it has committed every
 * input record, and times it: from its first record to the commit of its last (startup excluded,
 * reported apart). Also measures the CPU time its stream threads used over that time.
 */
public final class CatchUp {

  /** How often committed offsets are polled: the end time is known to within this. */
  static final Duration POLL = Duration.ofMillis(20);

  private CatchUp() {}

  /**
   * Starts {@code app} with a fresh application id and empty state, waits until it has committed
   * {@code end}, stops it.
   *
   * @param overrides settings added to the app's own, after the benchmark's interceptor
   * @param timeout how long to wait for the app to catch up before giving up
   * @throws IllegalStateException if the app does not catch up in time
   */
  public static Throughput run(
      StreamsApp app,
      String bootstrapServers,
      Map<TopicPartition, Long> end,
      Map<String, Object> overrides,
      Duration timeout) {
    return run(app, bootstrapServers, newApplicationId(), end, overrides, timeout, () -> {});
  }

  /**
   * As {@link #run(StreamsApp, String, Map, Map, Duration)}, with a given application id, calling
   * {@code whileCaughtUp} once the app has committed everything and before it is stopped (to
   * measure its memory).
   */
  public static Throughput run(
      StreamsApp app,
      String bootstrapServers,
      String applicationId,
      Map<TopicPartition, Long> end,
      Map<String, Object> overrides,
      Duration timeout,
      Runnable whileCaughtUp) {
    Path stateDir = tempDir();
    Map<String, Object> config = new HashMap<>();
    config.put(
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG),
        FirstRecordInterceptor.class.getName());
    config.putAll(overrides);
    long records = end.values().stream().mapToLong(Long::longValue).sum();
    FirstRecordInterceptor.reset();
    long start = System.nanoTime();
    long done;
    long cpuNs;
    // The machine's CPU counters from the first record on (seen within a poll), to tell the cores
    // this JVM used while the app read from those other processes took.
    CpuUsage.Snapshot atFirst = null;
    CpuUsage.Snapshot atDone;
    try (TopicProbe probe = new TopicProbe(bootstrapServers);
        StreamsApp.Running running = app.start(bootstrapServers, applicationId, stateDir, config)) {
      long deadline = start + timeout.toNanos();
      while (!probe.caughtUp(applicationId, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              app.name()
                  + " did not commit all "
                  + records
                  + " records within "
                  + timeout.toSeconds()
                  + " s (committed: "
                  + probe.committed(applicationId)
                  + ")");
        }
        if (atFirst == null && FirstRecordInterceptor.firstRecordNs() != 0) {
          atFirst = CpuUsage.take();
        }
        sleep(POLL);
      }
      done = System.nanoTime();
      cpuNs = FirstRecordInterceptor.cpuNsSinceFirstRecord();
      atDone = CpuUsage.take();
      whileCaughtUp.run();
    } finally {
      deleteRecursively(stateDir);
    }
    long first = FirstRecordInterceptor.firstRecordNs();
    if (first == 0) {
      throw new IllegalStateException(
          app.name() + " committed without consuming: is the interceptor configured?");
    }
    CpuUsage.Share share = atFirst == null ? null : CpuUsage.between("", atFirst, atDone);
    int cores = CpuUsage.machineCores();
    return new Throughput(
        records,
        done - first,
        done - start,
        cpuNs,
        share == null ? Double.NaN : share.own() * cores,
        share == null ? Double.NaN : share.others() * cores);
  }

  /** A fresh application id: a new consumer group, new changelogs, reading from the beginning. */
  public static String newApplicationId() {
    return "bench-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static Path tempDir() {
    try {
      return Files.createTempDirectory("trainwatch-bench-state-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a state directory", e);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Temporary files only: not worth failing a benchmark for.
    }
  }
}
