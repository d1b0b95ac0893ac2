package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStatus;
import org.junit.jupiter.api.Test;

class PublisherMetricsTest {

  @Test
  void shouldReadThePublishersCountersWhenCollected() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();
    PublisherMetrics.bind(registry, "run-7", publisher);

    publisher.publish(new RunEnded("run-7", 1_000L, RunStatus.COMPLETED, null));
    publisher.publish(new RunEnded("run-7", 2_000L, RunStatus.COMPLETED, null));

    assertThat(
            registry
                .get("trainwatch.publisher.events")
                .tag("run", "run-7")
                .tag("outcome", "published")
                .functionCounter()
                .count())
        .isEqualTo(2);
    assertThat(
            registry
                .get("trainwatch.publisher.events")
                .tag("outcome", "delivered")
                .functionCounter()
                .count())
        .isEqualTo(publisher.stats().delivered());
    assertThat(registry.get("trainwatch.publisher.events.pending").gauge().value())
        .isEqualTo(publisher.stats().pending());
  }
}
