package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.bench.ThroughputSection.Rung;
import io.trainwatch.bench.TrainerOverheadBench.Setup;
import io.trainwatch.trainer.PublisherStats;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchReportTest {

  private static final MachineInfo MACHINE =
      new MachineInfo(
          "Test CPU",
          2,
          24.0,
          "Linux",
          "OpenJDK 17",
          "max 3072 MiB",
          "G1",
          "4.4.0",
          "1.0.0-M2.1",
          0.5);

  private static final List<CpuUsage.Share> LOAD =
      List.of(
          new CpuUsage.Share("throughput", Duration.ofMinutes(3), 0.9, 0.05, 2.1),
          new CpuUsage.Share("latency", Duration.ofMinutes(2), 0.5, 0.45, 3.5));

  private static ThroughputSection.Result throughput(double monitorRate, double rawRate) {
    Map<Rung, Summary> rates = new EnumMap<>(Rung.class);
    rates.put(Rung.RAW, Summary.of(rawRate * 0.9, rawRate, rawRate * 1.1));
    rates.put(Rung.DECODE, Summary.of(rawRate / 3));
    rates.put(Rung.REFERENCE, Summary.of(rawRate / 4));
    rates.put(Rung.MONITOR, Summary.of(monitorRate));
    EventLoader.LoadResult load =
        new EventLoader.LoadResult(1_010_000, 590_000_000L, 10_000_000_000L);
    return new ThroughputSection.Result(
        10_000,
        300,
        6,
        load,
        rates,
        Summary.of(monitorRate / rawRate),
        Summary.of(900.0),
        null,
        List.of(),
        new AlertTally(
            Map.of(RunProfile.HEALTHY, 9_700, RunProfile.DIVERGING, 300),
            Map.of(RunProfile.HEALTHY, 0, RunProfile.DIVERGING, 300),
            Map.of("nonfinite_loss", 300)));
  }

  private static LatencyBench.Result latency(double p99Ms) {
    Percentiles p = new Percentiles(p99Ms / 2, p99Ms, p99Ms * 1.2, 200);
    Percentiles written = new Percentiles(p99Ms / 4, p99Ms / 2, p99Ms, 200);
    return new LatencyBench.Result(
        List.of(p, p), p, 200, 0, 0, 10_000, Map.of(RunProfile.DIVERGING, p), written);
  }

  private static TrainerSection.Result trainer(double noneMs, double trainwatchMs, double statsMs) {
    Map<Setup, Summary> steps = new EnumMap<>(Setup.class);
    steps.put(Setup.NO_LISTENER, Summary.of(noneMs));
    steps.put(Setup.TRAINWATCH, Summary.of(trainwatchMs));
    steps.put(Setup.DL4J_STATS, Summary.of(statsMs));
    Map<Setup, Summary> overhead = new EnumMap<>(Setup.class);
    overhead.put(Setup.TRAINWATCH, Summary.of(trainwatchMs / noneMs - 1));
    overhead.put(Setup.DL4J_STATS, Summary.of(statsMs / noneMs - 1));
    return new TrainerSection.Result(
        new TrainerOverheadBench.Result(
            steps, overhead, "MLP", 1_000_000, new TrainerOverheadBench.Size(1024, 128, 20, 15, 1)),
        new PublisherStats(300, 300, 0, 0));
  }

  private static MemoryBench.Result memory(long heapBytes, long stateBytes) {
    MemoryBench.Settings s = new MemoryBench.Settings(100_000, 12, 1_000, 100, 1_500, "512m", 1);
    List<ChangelogSizes.StoreSize> state =
        List.of(
            new ChangelogSizes.StoreSize(
                "run-state", 99_900, stateBytes / 2, stateBytes / 2, stateBytes / 2, 10));
    List<ChangelogSizes.StoreSize> longRuns =
        List.of(
            new ChangelogSizes.StoreSize(
                "run-state", 100, stateBytes - 10, stateBytes - 10, stateBytes - 10, 10));
    return new MemoryBench.Result(s, 20L << 20, heapBytes, 600_000, state, longRuns, 30_000, null);
  }

  private static BenchResults results(
      BenchPlan plan,
      ThroughputSection.Result t,
      LatencyBench.Result l,
      TrainerSection.Result tr,
      MemoryBench.Result m) {
    return new BenchResults(
        plan,
        "./trainwatch bench",
        Instant.parse("2026-11-26T10:00:00Z"),
        Duration.ofMinutes(12),
        MACHINE,
        new SourceRevision("abc1234", List.of("monitor/")),
        "the monitor",
        LOAD,
        t,
        l,
        tr,
        m,
        List.of(),
        List.of());
  }

  @Test
  void shouldJudgeEachFigureAgainstItsTarget() {
    List<Verdict> v =
        BenchReport.verdicts(
            results(
                BenchPlan.full(),
                throughput(60_000, 120_000),
                latency(180),
                trainer(20.0, 20.2, 26.0),
                memory(200L << 20, 600)));

    assertThat(v)
        .extracting(Verdict::item)
        .containsExactly(
            "1. Monitor throughput ÷ raw consume",
            "2. Alert latency p99 (exactly-once)",
            "3a. trainwatch listener overhead",
            "3b. StatsListener overhead ÷ trainwatch overhead",
            "4a. Serialized state per run",
            "4b. Monitor heap with 100,000 runs");
    assertThat(v).extracting(Verdict::met).containsOnly(true);
    assertThat(v.get(0).measured()).isEqualTo("0.50× (60,000 vs 120,000 events/s)");
    assertThat(v.get(3).measured()).isEqualTo("30× (+30.0% vs +1.0%)");
  }

  @Test
  void shouldReportMissedTargets() {
    List<Verdict> v =
        BenchReport.verdicts(
            results(
                BenchPlan.full(),
                throughput(30_000, 120_000),
                latency(400),
                trainer(20.0, 21.0, 23.0),
                memory(600L << 20, 1_200)));

    assertThat(v).extracting(Verdict::met).containsOnly(false);
    assertThat(v).extracting(Verdict::status).containsOnly("**MISSED**");
  }

  @Test
  void shouldNotJudgeOverheadOnAStepFasterThanTheTargetApplies() {
    List<Verdict> v =
        BenchReport.verdicts(results(BenchPlan.full(), null, null, trainer(2.0, 2.5, 9.0), null));

    assertThat(v.get(0).item()).isEqualTo("3a. trainwatch listener overhead");
    assertThat(v.get(0).met()).isNull();
  }

  @Test
  void shouldCallStatsListenerInfinitelyWorseWhenTrainwatchCostsNothingMeasurable() {
    TrainerSection.Result t = trainer(20.0, 19.9, 30.0);

    assertThat(t.overhead().statsOverTrainwatch()).isInfinite();
    assertThat(BenchReport.verdicts(results(BenchPlan.full(), null, null, t, null)).get(1).met())
        .isTrue();
  }

  private static TrainerSection.Result trainerWithTransport(
      double noneMs, double kafkaMs, double inMemoryMs) {
    TrainerOverheadBench.Result t = trainer(noneMs, kafkaMs, 3 * noneMs).overhead();
    Map<Setup, Summary> steps = new EnumMap<>(t.stepMs());
    steps.put(Setup.TRAINWATCH_IN_MEMORY, Summary.of(inMemoryMs));
    Map<Setup, Summary> overhead = new EnumMap<>(t.overheadByRound());
    overhead.put(Setup.TRAINWATCH_IN_MEMORY, Summary.of(inMemoryMs / noneMs - 1));
    return new TrainerSection.Result(
        new TrainerOverheadBench.Result(steps, overhead, t.model(), t.parameters(), t.size()),
        new PublisherStats(300, 300, 0, 0));
  }

  @Test
  void shouldSplitTheListenersCostBetweenStatisticsAndTransport() {
    String md =
        BenchReport.render(
            results(BenchPlan.full(), null, null, trainerWithTransport(20.0, 22.0, 21.0), null));

    assertThat(md)
        .contains(
            "Of trainwatch's +10.0% (about 2.0 ms a step), its statistics account for +5.0% (about "
                + "1.0 ms)");
  }

  @Test
  void shouldCallItNoiseWhenNotPublishingMeasuresSlowerThanPublishing() {
    String md =
        BenchReport.render(
            results(BenchPlan.full(), null, null, trainerWithTransport(20.0, 21.0, 24.0), null));

    assertThat(md)
        .contains(
            "+20.0% with its events kept in memory and +5.0% publishing them to Kafka",
            "within this run's noise")
        .doesNotContain("its statistics account for");
  }

  @Test
  void shouldSayWhichFiguresOtherProcessesDisturbed() {
    String md =
        BenchReport.render(
            results(BenchPlan.full(), throughput(60_000, 120_000), latency(180), null, null));

    assertThat(md)
        .contains(
            "| 1. Monitor throughput ÷ raw consume | 0.50× (60,000 vs 120,000 events/s) | ≥ 0.50× | met | 5.0% |",
            "| 2. Alert latency p99 (exactly-once) |",
            "| 45.0% *(disturbed)* |",
            "| latency | 120 s | 50.0% | 45.0% *(disturbed)* | 3.50 |",
            "*Disturbed*: other processes");
  }

  @Test
  void shouldWriteEverySectionThatRanAndWarnAboutQuickSizes() {
    String md =
        BenchReport.render(
            results(
                BenchPlan.quick(),
                throughput(60_000, 120_000),
                latency(180),
                trainer(20.0, 20.2, 26.0),
                memory(200L << 20, 600)));

    assertThat(md)
        .contains(
            "# trainwatch benchmarks",
            "Smoke-test sizes",
            "## Summary",
            "## Machine",
            "## How to reproduce",
            "## 1. Monitor throughput",
            "## 2. Alert latency",
            "## 3. Trainer overhead",
            "## 4. Memory and scale",
            "## Closing note",
            "| Test CPU, 2 cores available to the JVM |",
            "commit `abc1234` with uncommitted changes in monitor/");
    assertThat(md)
        .doesNotContain("null", "## 5. Cost curve", "## Where the time goes")
        .doesNotContainPattern("[|(] ?(NaN|Infinity)");
  }
}
