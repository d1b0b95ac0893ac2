package io.trainwatch.trainer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToLongFunction;

/**
 * An {@link EventPublisher}'s counters on a Micrometer registry the application chooses (its
 * Prometheus registry, its JMX registry...), read from {@link EventPublisher#stats()} when the
 * registry is collected: nothing on the training thread changes. Every series has the label {@code
 * run} (one publisher per run):
 *
 * <ul>
 *   <li>{@code trainwatch_publisher_events_total{outcome}}: {@code published} (handed to the
 *       publisher), {@code delivered} (acknowledged), {@code dropped} (given up before sending: a
 *       full queue), {@code failed} (sent, never acknowledged);
 *   <li>{@code trainwatch_publisher_events_pending}: published and not yet settled.
 * </ul>
 *
 * <pre>{@code
 * PublisherMetrics.bind(registry, runId, publisher);
 * }</pre>
 *
 * <p>Micrometer is an optional dependency of the trainer library: an application that calls this
 * has it on its classpath already.
 */
public final class PublisherMetrics {

  private PublisherMetrics() {}

  /**
   * Registers the publisher's counters. Micrometer holds the publisher weakly: they read it as long
   * as the application keeps it.
   */
  public static void bind(MeterRegistry registry, String runId, EventPublisher publisher) {
    Tags tags = Tags.of("run", runId);
    outcome(registry, tags, publisher, "published", PublisherStats::published);
    outcome(registry, tags, publisher, "delivered", PublisherStats::delivered);
    outcome(registry, tags, publisher, "dropped", PublisherStats::dropped);
    outcome(registry, tags, publisher, "failed", PublisherStats::failed);
    Gauge.builder("trainwatch.publisher.events.pending", publisher, p -> p.stats().pending())
        .description("Events published and not yet delivered, dropped or failed")
        .tags(tags)
        .register(registry);
  }

  private static void outcome(
      MeterRegistry registry,
      Tags tags,
      EventPublisher publisher,
      String outcome,
      ToLongFunction<PublisherStats> value) {
    FunctionCounter.builder(
            "trainwatch.publisher.events", publisher, p -> value.applyAsLong(p.stats()))
        .description("Events of the trainer's publisher, by what became of them")
        .tags(tags.and("outcome", outcome))
        .register(registry);
  }
}
