package io.trainwatch.bench;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Item 5: throughput and alert latency at 1×, 4× and 16× the concurrent runs, everything else
 * unchanged.
 */
public final class CostCurveSection {

  private static final Logger LOG = LoggerFactory.getLogger(CostCurveSection.class);

  /**
   * One fleet size.
   *
   * @param multiplier the fleet size relative to the first point
   * @param throughput raw and monitor rates at this size
   * @param latency alert latency at this size
   */
  public record Point(
      int multiplier, int runs, ThroughputSection.Result throughput, LatencyBench.Result latency) {}

  private CostCurveSection() {}

  public static List<Point> run(StreamsApp monitor, int partitions, BenchPlan plan) {
    List<Point> points = new ArrayList<>();
    for (int m : plan.costMultipliers()) {
      int runs = plan.costBaseRuns() * m;
      LOG.info("cost curve: {}× = {} runs", m, runs);
      // One broker per size: the latency monitor starts at the end of the throughput test's events.
      try (EmbeddedKafkaBroker broker =
          EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
        ThroughputSection.createTopics(broker, partitions);
        ThroughputSection.Result t =
            ThroughputSection.runOn(
                broker.bootstrapServers(),
                monitor,
                partitions,
                new FleetSpec("cost" + m, runs, plan.faultyFraction(), plan.seed()),
                plan.costBatches(),
                plan.costRepetitions(),
                List.of(ThroughputSection.Rung.RAW, ThroughputSection.Rung.MONITOR),
                false);
        LatencyBench.Result l =
            LatencySection.runOn(broker.bootstrapServers(), monitor, plan.costLatencyFor(runs));
        points.add(new Point(m, runs, t, l));
      }
    }
    return points;
  }
}
