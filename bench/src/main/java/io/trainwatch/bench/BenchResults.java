package io.trainwatch.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything one run of the suite measured; a section that was not run is {@code null} (or empty).
 *
 * @param command the command line as typed, for "how to reproduce"
 * @param monitorDescription the system under test and its relevant settings
 */
public record BenchResults(
    BenchPlan plan,
    String command,
    Instant startedAt,
    Duration elapsed,
    MachineInfo machine,
    String monitorDescription,
    ThroughputSection.Result throughput,
    LatencyBench.Result latency,
    TrainerSection.Result trainer,
    MemoryBench.Result memory,
    List<CostCurveSection.Point> costCurve,
    List<JmhSection.Score> jmh) {}
