package io.trainwatch.bench;

import java.time.Duration;
import java.util.List;

/**
 * Every size the suite runs at: {@link #full()} for the figures in docs/benchmarks.md, {@link
 * #quick()} for the CI smoke test (the same code paths, small enough to finish in well under a
 * minute; its figures mean little).
 *
 * @param smokeTest {@code true} for the --quick sizes
 * @param seed seed of every generated fleet
 * @param runs concurrent runs of item 1 (and the background of item 2)
 * @param batches batch events pre-loaded for item 1
 * @param faultyFraction share of faulty runs in pre-loaded fleets
 * @param repetitions repetitions of each throughput measurement
 * @param profile whether to run one extra, JFR-profiled monitor pass in item 1
 * @param latency item 2
 * @param trainer item 3
 * @param memory item 4
 * @param costBaseRuns runs at 1× in item 5
 * @param costMultipliers the fleet sizes of item 5, as multiples of {@code costBaseRuns}
 * @param costBatches batch events pre-loaded per point of item 5
 * @param costRepetitions throughput repetitions per point of item 5
 * @param costLatency item 5's latency settings (background runs are replaced per point)
 * @param jmh whether to run the JMH micro-benchmarks
 */
public record BenchPlan(
    boolean smokeTest,
    long seed,
    int runs,
    long batches,
    double faultyFraction,
    int repetitions,
    boolean profile,
    LatencyBench.Settings latency,
    TrainerOverheadBench.Size trainer,
    MemoryBench.Settings memory,
    int costBaseRuns,
    List<Integer> costMultipliers,
    long costBatches,
    int costRepetitions,
    LatencyBench.Settings costLatency,
    boolean jmh) {

  static final long DEFAULT_SEED = 20261126L;

  /** The sizes the issue names: 10,000 runs, 1,000,000 batches, 10,000 events/s, 100,000 runs. */
  public static BenchPlan full() {
    return new BenchPlan(
        false,
        DEFAULT_SEED,
        10_000,
        1_000_000,
        0.03,
        3,
        true,
        new LatencyBench.Settings(
            10_000,
            10_000,
            Duration.ofSeconds(8),
            Duration.ofSeconds(10),
            5,
            40,
            Duration.ofMillis(20),
            120,
            DEFAULT_SEED),
        new TrainerOverheadBench.Size(1024, 128, 4, 200, 1),
        new MemoryBench.Settings(100_000, 12, 1_000, 100, 1_500, "512m", DEFAULT_SEED),
        1_000,
        List.of(1, 4, 16),
        300_000,
        2,
        new LatencyBench.Settings(
            1_000,
            10_000,
            Duration.ofSeconds(5),
            Duration.ofSeconds(6),
            3,
            30,
            Duration.ofMillis(20),
            120,
            DEFAULT_SEED),
        true);
  }

  /** Small sizes for the smoke test: every section runs, nothing is representative. */
  public static BenchPlan quick() {
    return new BenchPlan(
        true,
        DEFAULT_SEED,
        300,
        15_000,
        0.05,
        1,
        true,
        new LatencyBench.Settings(
            300,
            2_000,
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            2,
            6,
            Duration.ofMillis(20),
            120,
            DEFAULT_SEED),
        new TrainerOverheadBench.Size(128, 32, 5, 2, 1),
        new MemoryBench.Settings(600, 3, 100, 5, 200, "512m", DEFAULT_SEED),
        50,
        List.of(1, 4, 16),
        5_000,
        1,
        new LatencyBench.Settings(
            50,
            2_000,
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            1,
            6,
            Duration.ofMillis(20),
            120,
            DEFAULT_SEED),
        false);
  }

  /**
   * Latency settings for a point of the cost curve: that many background runs, a warm-up that
   * starts them all.
   */
  LatencyBench.Settings costLatencyFor(int backgroundRuns) {
    LatencyBench.Settings c = costLatency;
    Duration startAll = Duration.ofMillis((long) (2_000 * backgroundRuns / c.eventsPerSecond()));
    Duration warmup = startAll.compareTo(c.warmup()) > 0 ? startAll : c.warmup();
    return new LatencyBench.Settings(
        backgroundRuns,
        c.eventsPerSecond(),
        warmup,
        c.window(),
        c.windows(),
        c.faultsPerWindow(),
        c.faultStep(),
        c.maxFaultSteps(),
        seed);
  }

  /** This plan with another number of throughput repetitions (items 1 and 5). */
  public BenchPlan withRepetitions(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("repetitions=" + n + ": must be >= 1");
    }
    return new BenchPlan(
        smokeTest,
        seed,
        runs,
        batches,
        faultyFraction,
        n,
        profile,
        latency,
        trainer,
        memory,
        costBaseRuns,
        costMultipliers,
        costBatches,
        n,
        costLatency,
        jmh);
  }

  /** This plan with another fleet for items 1 and 2. */
  public BenchPlan withFleet(int newRuns, long newBatches) {
    if (newRuns < 1 || newBatches < newRuns) {
      throw new IllegalArgumentException(
          "runs=" + newRuns + ", batches=" + newBatches + ": need runs >= 1 and batches >= runs");
    }
    LatencyBench.Settings l =
        new LatencyBench.Settings(
            newRuns,
            latency.eventsPerSecond(),
            latency.warmup(),
            latency.window(),
            latency.windows(),
            latency.faultsPerWindow(),
            latency.faultStep(),
            latency.maxFaultSteps(),
            latency.seed());
    return new BenchPlan(
        smokeTest,
        seed,
        newRuns,
        newBatches,
        faultyFraction,
        repetitions,
        profile,
        l,
        trainer,
        memory,
        costBaseRuns,
        costMultipliers,
        costBatches,
        costRepetitions,
        costLatency,
        jmh);
  }

  /** This plan without the profiled monitor pass. */
  public BenchPlan withoutProfile() {
    return new BenchPlan(
        smokeTest,
        seed,
        runs,
        batches,
        faultyFraction,
        repetitions,
        false,
        latency,
        trainer,
        memory,
        costBaseRuns,
        costMultipliers,
        costBatches,
        costRepetitions,
        costLatency,
        jmh);
  }
}
