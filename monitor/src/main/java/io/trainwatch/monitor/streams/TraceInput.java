package io.trainwatch.monitor.streams;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;

/**
 * What the run evaluator tells the run tracer about one run: an accepted batch with its index in
 * the run, and the alerts it published (for the batch, or on its own for a wall-clock check or the
 * run's end).
 *
 * @param index the batch's 0-based index in its run, -1 without a batch
 * @param batch the batch, or {@code null}
 * @param alerts the alerts published for it, oldest first
 */
record TraceInput(long index, BatchEvent batch, List<Alert> alerts) {

  TraceInput {
    alerts = List.copyOf(alerts);
  }
}
