package io.trainwatch.trainer;

import io.trainwatch.schemas.TrainingEvent;
import java.time.Duration;

/**
 * Takes training events off the training thread and delivers them somewhere (Kafka, memory, ...).
 *
 * <p>Implementations must never block and never throw from {@link #publish}: a training step is
 * worth more than a statistic. When they cannot keep up, they drop events and count them in {@link
 * #stats()}.
 */
public interface EventPublisher extends AutoCloseable {

  /** Hands one event over for delivery. Returns at once; never throws. */
  void publish(TrainingEvent event);

  /** What happened to the events published so far. */
  PublisherStats stats();

  /**
   * Waits until every event published so far is delivered, dropped or failed, or until {@code
   * timeout} passes.
   *
   * @return {@code true} if nothing is pending any more, {@code false} if the timeout passed first
   */
  boolean flush(Duration timeout);

  /**
   * Delivers what it can within the implementation's close timeout, then releases its resources.
   * Idempotent.
   */
  @Override
  void close();
}
