package io.trainwatch.trainer;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.TrainingEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps published events in memory, in publication order: for tests, benchmarks and in-process
 * harnesses.
 *
 * <p>Thread-safe. Every event counts as delivered at once. After {@link #close()} further events
 * are dropped, as a closed Kafka publisher would.
 */
public final class InMemoryEventPublisher implements EventPublisher {

  private final List<TrainingEvent> events = new ArrayList<>();
  private long dropped;
  private boolean closed;

  @Override
  public synchronized void publish(TrainingEvent event) {
    if (closed) {
      dropped++;
      return;
    }
    events.add(event);
  }

  /** A copy of the events published so far. */
  public synchronized List<TrainingEvent> events() {
    return List.copyOf(events);
  }

  /** The batch events published so far, in order. */
  public synchronized List<BatchEvent> batches() {
    List<BatchEvent> out = new ArrayList<>();
    for (TrainingEvent e : events) {
      if (e instanceof BatchEvent b) {
        out.add(b);
      }
    }
    return out;
  }

  @Override
  public synchronized PublisherStats stats() {
    return new PublisherStats(events.size() + dropped, events.size(), dropped, 0);
  }

  @Override
  public boolean flush(Duration timeout) {
    return true;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
