package io.trainwatch.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Samples this JVM with Java Flight Recorder while a benchmark runs, then says where one thread's
 * time went: the hottest methods (self time), the share of samples inside each {@link Category},
 * the allocation hot spots and the GC pauses. The same data {@code jfr print --events
 * jdk.ExecutionSample} shows, aggregated.
 */
public final class JfrProfiler implements AutoCloseable {

  /**
   * A named part of the work, recognized by a frame anywhere on the stack (inclusive time).
   *
   * @param name what people read
   * @param framePrefix {@code class.method} prefix of a frame that identifies the work
   */
  public record Category(String name, String framePrefix) {}

  /** A method and its share of the samples. */
  public record Share(String name, long samples, double fraction) {}

  /**
   * Where the profiled thread's time went.
   *
   * @param samples execution samples of the profiled threads
   * @param allSamples execution samples of every thread (the broker and clients share the CPU)
   * @param hottest methods on top of the stack, by share of samples (self time)
   * @param categories share of samples with the category's frame on the stack (a sample can be in
   *     several)
   * @param threads share of all samples per thread group
   * @param allocations top allocation sites of the profiled threads, weighted by sampled bytes
   * @param gcPauseMs total GC pause time during the recording
   * @param gcCount number of GC pauses
   * @param recordingMs length of the recording
   */
  public record Profile(
      long samples,
      long allSamples,
      List<Share> hottest,
      List<Share> categories,
      List<Share> threads,
      List<Share> allocations,
      double gcPauseMs,
      long gcCount,
      double recordingMs) {}

  private final Recording recording;
  private final long startNs = System.nanoTime();

  private JfrProfiler(Recording recording) {
    this.recording = recording;
  }

  /** Starts sampling every thread every 10 ms, plus allocation samples and GC pauses. */
  public static JfrProfiler start() {
    Recording r = new Recording();
    r.setName("trainwatch-bench");
    r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
    r.enable("jdk.ObjectAllocationSample").with("throttle", "500/s");
    r.enable("jdk.GarbageCollection");
    r.setToDisk(true);
    r.start();
    return new JfrProfiler(r);
  }

  /**
   * System property naming a file where {@link #stop} keeps a copy of the recording, for a closer
   * look with {@code jfr print} or JDK Mission Control.
   */
  public static final String KEEP_PROPERTY = "trainwatch.bench.jfr";

  /**
   * Stops the recording and aggregates it.
   *
   * @param profiledThread which threads' samples to break down (e.g. names containing {@code
   *     StreamThread})
   * @param categories the parts of the work to report, in report order
   * @param top how many hottest methods and allocation sites to keep
   */
  public Profile stop(Predicate<String> profiledThread, List<Category> categories, int top) {
    recording.stop();
    double recordingMs = (System.nanoTime() - startNs) / 1e6;
    Path file;
    try {
      file = Files.createTempFile("trainwatch-bench-", ".jfr");
      recording.dump(file);
      String keep = System.getProperty(KEEP_PROPERTY);
      if (keep != null) {
        Path copy = Path.of(keep);
        Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.err.println("JFR recording kept in " + copy.toAbsolutePath());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the JFR recording", e);
    }
    try {
      return aggregate(file, profiledThread, categories, top, recordingMs);
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // A leftover temp file is harmless.
      }
    }
  }

  @Override
  public void close() {
    recording.close();
  }

  private static Profile aggregate(
      Path file,
      Predicate<String> profiled,
      List<Category> categories,
      int top,
      double recordingMs) {
    long samples = 0;
    long allSamples = 0;
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> inCategory = new LinkedHashMap<>();
    categories.forEach(c -> inCategory.put(c.name(), 0L));
    Map<String, Long> threads = new HashMap<>();
    Map<String, Long> allocBytes = new HashMap<>();
    long allocTotal = 0;
    double gcPauseMs = 0;
    long gcCount = 0;
    try (RecordingFile in = new RecordingFile(file)) {
      while (in.hasMoreEvents()) {
        RecordedEvent e = in.readEvent();
        String type = e.getEventType().getName();
        if (type.equals("jdk.GarbageCollection")) {
          gcPauseMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
          gcCount++;
          continue;
        }
        String thread =
            threadName(e, type.equals("jdk.ExecutionSample") ? "sampledThread" : "eventThread");
        RecordedStackTrace stack = e.getStackTrace();
        if (type.equals("jdk.ExecutionSample")) {
          allSamples++;
          threads.merge(threadGroup(thread), 1L, Long::sum);
          if (!profiled.test(thread) || stack == null || stack.getFrames().isEmpty()) {
            continue;
          }
          samples++;
          self.merge(frameName(stack.getFrames().get(0)), 1L, Long::sum);
          for (Category c : categories) {
            if (stack.getFrames().stream()
                .anyMatch(f -> frameName(f).startsWith(c.framePrefix()))) {
              inCategory.merge(c.name(), 1L, Long::sum);
            }
          }
        } else if (type.equals("jdk.ObjectAllocationSample")
            && profiled.test(thread)
            && stack != null) {
          long weight = e.getLong("weight");
          allocTotal += weight;
          allocBytes.merge(
              firstOwnFrame(stack) + " → " + e.getClass("objectClass").getName(),
              weight,
              Long::sum);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the JFR recording", e);
    }
    return new Profile(
        samples,
        allSamples,
        topShares(self, samples, top),
        shares(inCategory, samples),
        topShares(threads, allSamples, 8),
        topShares(allocBytes, allocTotal, top),
        gcPauseMs,
        gcCount,
        recordingMs);
  }

  private static String threadName(RecordedEvent e, String field) {
    jdk.jfr.consumer.RecordedThread t = e.getThread(field);
    if (t == null) {
      return "?";
    }
    return t.getJavaName() != null ? t.getJavaName() : String.valueOf(t.getOSName());
  }

  /**
   * Groups threads by role, so the table says who used the CPU: the monitor, the broker, the
   * clients.
   */
  static String threadGroup(String thread) {
    if (thread.contains("StreamThread")) {
      return "Kafka Streams stream thread (the monitor)";
    }
    if (thread.contains("kafka-producer-network-thread")) {
      return "producer I/O threads (monitor's and load generator's)";
    }
    if (thread.startsWith("data-plane-kafka")
        || thread.startsWith("kafka-")
        || thread.contains("broker")
        || thread.contains("RaftManager")
        || thread.contains("controller")
        || thread.contains("ReplicaFetcher")
        || thread.contains("log-cleaner")
        || thread.contains("quorum")
        || thread.contains("group-coordinator")
        || thread.contains("transaction")) {
      return "Kafka broker (in-process)";
    }
    if (thread.contains("consumer") || thread.contains("admin")) {
      return "other Kafka clients (consumers, admin)";
    }
    if (thread.contains("bench") || thread.equals("main")) {
      return "benchmark driver (load generator, probes)";
    }
    return "other";
  }

  private static String frameName(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  /** The first frame that is not JDK plumbing: where the allocation was asked for. */
  private static String firstOwnFrame(RecordedStackTrace stack) {
    for (RecordedFrame f : stack.getFrames()) {
      String name = frameName(f);
      if (!name.startsWith("java.") && !name.startsWith("jdk.") && !name.startsWith("sun.")) {
        return name;
      }
    }
    return frameName(stack.getFrames().get(0));
  }

  private static List<Share> topShares(Map<String, Long> counts, long total, int top) {
    List<Share> all = new ArrayList<>(shares(counts, total));
    all.sort(Comparator.comparingLong(Share::samples).reversed());
    return List.copyOf(all.subList(0, Math.min(top, all.size())));
  }

  private static List<Share> shares(Map<String, Long> counts, long total) {
    List<Share> out = new ArrayList<>();
    counts.forEach((k, v) -> out.add(new Share(k, v, total == 0 ? 0 : (double) v / total)));
    return out;
  }
}
