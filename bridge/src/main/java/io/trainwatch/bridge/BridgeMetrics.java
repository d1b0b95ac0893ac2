package io.trainwatch.bridge;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A bridge's {@link BridgeStats} as Prometheus counters, read from the bridge's own counters at
 * each scrape (nothing is counted twice, nothing on the delivery path changes). Every series has
 * the labels {@code bridge} (its name) and {@code destination}:
 *
 * <ul>
 *   <li>{@code trainwatch_bridge_alerts_received_total}: records read from the alerts topic;
 *   <li>{@code trainwatch_bridge_alerts_total{outcome}}: what became of them: {@code delivered},
 *       {@code dead_lettered}, {@code filtered}, {@code duplicate}, {@code superseded}, {@code
 *       ignored} (tombstones);
 *   <li>{@code trainwatch_bridge_requests_total}: HTTP requests for new emissions;
 *   <li>{@code trainwatch_bridge_retries_total}: failed attempts that will be retried;
 *   <li>{@code trainwatch_bridge_rate_limited_total}: 429 answers;
 *   <li>{@code trainwatch_bridge_parked_total}: alerts set aside after their last attempt;
 *   <li>{@code trainwatch_bridge_resent_total}: firing alerts re-sent to keep them alive;
 *   <li>{@code trainwatch_bridge_consumer_lag_records}: records of the alerts topic written and not
 *       read yet by this bridge (its owned partitions, as of its last fetch);
 *   <li>{@code trainwatch_bridge_alerts_pending}: alerts read and not finished (waiting for
 *       delivery, a retry or the rate limit);
 *   <li>{@code trainwatch_bridge_assigned_partitions}: partitions of the alerts topic it owns now
 *       (0: not ready).
 * </ul>
 *
 * Plus Kafka's own metrics of the bridge's consumer and producer ({@code kafka_consumer_*}, {@code
 * kafka_producer_*}, with {@code client_id="trainwatch-bridge-NAME"}), bound while they live.
 */
public final class BridgeMetrics {

  private BridgeMetrics() {}

  /**
   * Registers the counters of {@code bridge}; they keep reading it as long as the registry lives.
   */
  public static void bind(
      MeterRegistry registry, String name, Destination destination, AlertBridge bridge) {
    bind(registry, name, destination, bridge, AlertBridge::stats);
    Tags tags = Tags.of("bridge", name, "destination", destination.wire());
    Gauge.builder("trainwatch.bridge.consumer.lag", bridge, b -> (double) b.consumerLag())
        .description("Records of the alerts topic written and not read yet by this bridge")
        .baseUnit("records")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    Gauge.builder("trainwatch.bridge.alerts.pending", bridge, b -> (double) b.pending())
        .description(
            "Alerts read and not finished: waiting for delivery, a retry or the rate limit")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    Gauge.builder(
            "trainwatch.bridge.assigned.partitions", bridge, b -> (double) b.assignment().size())
        .description("Partitions of the alerts topic this bridge owns now (0: not ready)")
        .tags(tags)
        .strongReference(true)
        .register(registry);
    bridge.bindClientMetrics(
        (consumer, producer) -> {
          KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(consumer, tags);
          KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer, tags);
          consumerMetrics.bindTo(registry);
          producerMetrics.bindTo(registry);
          return () -> {
            consumerMetrics.close();
            producerMetrics.close();
          };
        });
  }

  /**
   * Registers the counters {@code read} takes from {@code source}. The counters' functions hold the
   * source (Micrometer alone would hold it weakly, and a method reference would be collected).
   */
  static <T> void bind(
      MeterRegistry registry,
      String bridge,
      Destination destination,
      T source,
      Function<T, BridgeStats.Snapshot> read) {
    Stats<T> stats = new Stats<>(source, read);
    Tags tags = Tags.of("bridge", bridge, "destination", destination.wire());
    counter(
        registry,
        "trainwatch.bridge.alerts.received",
        tags,
        stats,
        BridgeStats.Snapshot::received,
        "Records read from the alerts topic");
    outcome(registry, tags, stats, "delivered", BridgeStats.Snapshot::delivered);
    outcome(registry, tags, stats, "dead_lettered", BridgeStats.Snapshot::deadLettered);
    outcome(registry, tags, stats, "filtered", BridgeStats.Snapshot::filtered);
    outcome(registry, tags, stats, "duplicate", BridgeStats.Snapshot::duplicates);
    outcome(registry, tags, stats, "superseded", BridgeStats.Snapshot::superseded);
    outcome(registry, tags, stats, "ignored", BridgeStats.Snapshot::ignored);
    counter(
        registry,
        "trainwatch.bridge.requests",
        tags,
        stats,
        BridgeStats.Snapshot::requests,
        "HTTP requests made for new emissions");
    counter(
        registry,
        "trainwatch.bridge.retries",
        tags,
        stats,
        BridgeStats.Snapshot::retried,
        "Failed attempts that will be retried (5xx, timeout, connection error)");
    counter(
        registry,
        "trainwatch.bridge.rate.limited",
        tags,
        stats,
        BridgeStats.Snapshot::rateLimited,
        "429 answers");
    counter(
        registry,
        "trainwatch.bridge.parked",
        tags,
        stats,
        BridgeStats.Snapshot::parked,
        "Alerts set aside for the park interval after their last attempt");
    counter(
        registry,
        "trainwatch.bridge.resent",
        tags,
        stats,
        BridgeStats.Snapshot::resent,
        "Firing alerts re-sent to keep them alive");
  }

  /** The source and how to read it, captured by every counter's function. */
  private record Stats<T>(T source, Function<T, BridgeStats.Snapshot> read) {}

  private static <T> void outcome(
      MeterRegistry registry,
      Tags tags,
      Stats<T> stats,
      String outcome,
      ToLongFunction<BridgeStats.Snapshot> value) {
    counter(
        registry,
        "trainwatch.bridge.alerts",
        tags.and("outcome", outcome),
        stats,
        value,
        "Alert emissions by what became of them");
  }

  private static <T> void counter(
      MeterRegistry registry,
      String name,
      Tags tags,
      Stats<T> stats,
      ToLongFunction<BridgeStats.Snapshot> value,
      String description) {
    FunctionCounter.builder(name, stats.source(), s -> value.applyAsLong(stats.read().apply(s)))
        .description(description)
        .tags(tags)
        .register(registry);
  }
}
