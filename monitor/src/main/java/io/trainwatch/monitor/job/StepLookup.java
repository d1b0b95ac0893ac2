package io.trainwatch.monitor.job;

/** A job's per-step reports, as the evaluator sees its store: no Kafka types. */
public interface StepLookup {

  /** The reports of a step, or {@code null}. */
  StepStats get(long step);

  /** Stores the reports of a step. */
  void put(long step, StepStats stats);
}
