package io.trainwatch.monitor.streams;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.TrainingEvent;
import java.util.function.LongSupplier;

/**
 * What the topology reports as it works, for the process's metrics (see {@code
 * io.trainwatch.monitor.http.MonitorMetrics}). Called on stream threads, once per record: an
 * implementation must be cheap and thread-safe, and never throw.
 */
public interface TopologyMetrics {

  /** Reports nothing: the topology without a metrics registry (tests, benchmarks' baseline). */
  TopologyMetrics NONE =
      new TopologyMetrics() {
        @Override
        public void eventRead(TrainingEvent event) {}

        @Override
        public void deadLettered(String stage, String reason) {}

        @Override
        public void alertEmitted(Alert alert, long latencyMs) {}

        @Override
        public void runsTracked(LongSupplier runs) {}
      };

  /** A valid event was read (before its run's history is checked). */
  void eventRead(TrainingEvent event);

  /**
   * A record went to the dead-letter topic.
   *
   * @param stage {@code decode}, {@code run} or {@code processing} (see {@link DeadLetters#STAGE})
   * @param reason the reason header's text
   */
  void deadLettered(String stage, String reason);

  /**
   * An alert was published: a run's own, a distributed job's page, a host's or a crash loop's (each
   * published alert once; a rank's alert is counted as part of its job's page).
   *
   * @param latencyMs processing time of the alert minus the event time of the batch (or signal)
   *     that decided it, 0 when the trainer's clock is ahead
   */
  void alertEmitted(Alert alert, long latencyMs);

  /**
   * A valid event carried fields (or values of optional fields) this monitor does not know, a newer
   * trainer's: they were skipped and the event judged without them.
   *
   * @param runId the event's run
   * @param skipped how many fields or values were skipped in this event, at least 1
   * @param firstOfRun whether this is the first such event of the run this instance has seen (the
   *     one that is logged)
   */
  default void unknownFieldsSkipped(String runId, int skipped, boolean firstOfRun) {}

  /** The number of runs this instance tracks now, read when metrics are collected. */
  void runsTracked(LongSupplier runs);
}
