package io.trainwatch.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything one run of the suite measured; a section that was not run is {@code null} (or empty).
 *
 * @param command the command line as typed, for "how to reproduce"
 * @param source the revision of the sources the suite ran from
 * @param monitorDescription the system under test and its relevant settings
 * @param load who used the machine's CPU during each section, in the order they ran
 * @param fleet the fleet section, or {@code null}
 * @param takeover the takeover section, or {@code null}
 */
public record BenchResults(
    BenchPlan plan,
    String command,
    Instant startedAt,
    Duration elapsed,
    MachineInfo machine,
    SourceRevision source,
    String monitorDescription,
    List<CpuUsage.Share> load,
    ThroughputSection.Result throughput,
    LatencyBench.Result latency,
    TrainerSection.Result trainer,
    MemoryBench.Result memory,
    List<CostCurveSection.Point> costCurve,
    List<JmhSection.Score> jmh,
    FleetBench.Result fleet,
    TakeoverBench.Result takeover) {}
