package io.trainwatch.bench;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Item 4: what a run costs to remember. The serialized per-run state is read from the application's
 * changelogs; the heap is measured in a child JVM started with the limit under test, once with a
 * small fleet and once with the full one, so that the difference gives the heap each additional run
 * costs.
 */
public final class MemoryBench {

  /**
   * How the test is run.
   *
   * @param runs active runs in the full fleet (including the long runs)
   * @param batchesPerRun batches each run has sent
   * @param baselineRuns runs of the small fleet measured first
   * @param longRuns runs that have sent {@code longRunBatches} batches: state at its largest (full
   *     histories)
   * @param heapLimit the child's {@code -Xmx}, e.g. {@code 512m}
   */
  public record Settings(
      int runs,
      int batchesPerRun,
      int baselineRuns,
      int longRuns,
      int longRunBatches,
      String heapLimit,
      long seed) {

    public Settings {
      if (baselineRuns < 1
          || longRuns < 0
          || runs < baselineRuns + longRuns + 1
          || batchesPerRun < 1) {
        throw new IllegalArgumentException(
            "runs="
                + runs
                + ", baselineRuns="
                + baselineRuns
                + ", longRuns="
                + longRuns
                + ": need runs > baselineRuns + longRuns, all positive");
      }
    }
  }

  /**
   * The outcome.
   *
   * @param baselineHeapBytes live heap of the child after the small fleet
   * @param fleetHeapBytes live heap of the child with the full fleet
   * @param fleetRssKiB resident memory of that child (heap, RocksDB, JIT, threads)
   * @param fleetState per-store state sizes over the fleet's ordinary runs
   * @param longRunState per-store state sizes over the long runs
   * @param fleetEventsPerSecond the child's catch-up rate over the full fleet (a single-run figure,
   *     for context)
   * @param failure why the full fleet did not fit in the heap limit, or {@code null} if it did
   */
  public record Result(
      Settings settings,
      long baselineHeapBytes,
      long fleetHeapBytes,
      long fleetRssKiB,
      List<ChangelogSizes.StoreSize> fleetState,
      List<ChangelogSizes.StoreSize> longRunState,
      double fleetEventsPerSecond,
      String failure) {

    /** Heap each run beyond the small fleet costs. */
    public double marginalHeapBytesPerRun() {
      return (double) (fleetHeapBytes - baselineHeapBytes)
          / (settings.runs() - settings.baselineRuns());
    }

    /** Serialized bytes of one run over all stores, key included: the median of an ordinary run. */
    public long medianRunStateBytes() {
      return total(fleetState, true);
    }

    /** Serialized bytes of one run over all stores, key included: the largest long run. */
    public long maxRunStateBytes() {
      return Math.max(total(longRunState, false), total(fleetState, false));
    }

    private static long total(List<ChangelogSizes.StoreSize> stores, boolean median) {
      return stores.stream()
          .mapToLong(s -> (median ? s.medianBytes() : s.maxBytes()) + Math.round(s.meanKeyBytes()))
          .sum();
    }
  }

  private static final Pattern RESULT =
      Pattern.compile(
          HeapProbe.RESULT + " heapUsedBytes=(\\d+) rssKiB=(-?\\d+) eventsPerSecond=([0-9.]+)");
  private static final String LONG_PREFIX = "long";

  private MemoryBench() {}

  /** Runs the test on a broker of its own. */
  public static Result run(AppSpec app, int eventsPartitions, Settings s, long timeoutSeconds) {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      String bootstrap = broker.bootstrapServers();
      broker.createTopic(Topics.EVENTS, eventsPartitions);
      load(
          bootstrap,
          new FleetSpec("mem-base", s.baselineRuns(), 0.03, s.seed()),
          s.batchesPerRun());
      ProbeResult baseline =
          probe(app, bootstrap, CatchUp.newApplicationId(), s.heapLimit(), timeoutSeconds);

      int ordinary = s.runs() - s.baselineRuns() - s.longRuns();
      load(bootstrap, new FleetSpec("mem", ordinary, 0.03, s.seed() + 1), s.batchesPerRun());
      if (s.longRuns() > 0) {
        load(
            bootstrap,
            new FleetSpec(LONG_PREFIX, s.longRuns(), 0, s.seed() + 2),
            s.longRunBatches());
      }
      String fleetId = CatchUp.newApplicationId();
      ProbeResult fleet;
      try {
        fleet = probe(app, bootstrap, fleetId, s.heapLimit(), timeoutSeconds);
      } catch (IllegalStateException e) {
        return new Result(s, baseline.heapBytes(), -1, -1, List.of(), List.of(), 0, e.getMessage());
      }
      List<ChangelogSizes.StoreSize> ordinaryState =
          ChangelogSizes.measure(bootstrap, fleetId, k -> !k.startsWith(LONG_PREFIX + "-"));
      List<ChangelogSizes.StoreSize> longState =
          s.longRuns() == 0
              ? List.of()
              : ChangelogSizes.measure(bootstrap, fleetId, k -> k.startsWith(LONG_PREFIX + "-"));
      return new Result(
          s,
          baseline.heapBytes(),
          fleet.heapBytes(),
          fleet.rssKiB(),
          ordinaryState,
          longState,
          fleet.eventsPerSecond(),
          null);
    }
  }

  private static void load(String bootstrap, FleetSpec spec, long batchesPerRun) {
    Fleet fleet = new Fleet(spec);
    EventLoader.load(
        bootstrap,
        Topics.EVENTS,
        fleet.events(batchesPerRun * spec.runs(), System.currentTimeMillis(), 100));
  }

  /** What a child JVM reported. */
  private record ProbeResult(long heapBytes, long rssKiB, double eventsPerSecond) {}

  /** Runs {@link HeapProbe} in a child JVM. */
  private static ProbeResult probe(
      AppSpec app, String bootstrap, String applicationId, String heapLimit, long timeout) {
    Path log;
    try {
      log = Files.createTempFile("trainwatch-bench-heap-probe-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx" + heapLimit,
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                HeapProbe.class.getName(),
                bootstrap,
                applicationId,
                String.valueOf(timeout)));
    command.addAll(app.toArgs());
    try {
      Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
      String result = null;
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith(HeapProbe.RESULT)) {
            result = line;
          }
        }
      }
      if (!p.waitFor(timeout + 60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("heap probe did not finish in " + (timeout + 60) + " s");
      }
      Matcher m = result == null ? null : RESULT.matcher(result);
      if (p.exitValue() != 0 || m == null || !m.matches()) {
        throw new IllegalStateException(
            "heap probe with -Xmx"
                + heapLimit
                + " failed (exit "
                + p.exitValue()
                + "): "
                + tail(log));
      }
      return new ProbeResult(
          Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Double.parseDouble(m.group(3)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the heap probe JVM", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      try {
        Files.deleteIfExists(log);
      } catch (IOException ignored) {
        // A leftover log in the temp directory is harmless.
      }
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
