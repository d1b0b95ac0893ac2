package io.trainwatch.monitor.run;

import java.util.Map;

/**
 * The parts of {@code run_started} that only alerts need (labels). Kept apart from {@link RunState}
 * so that the state read and written on every batch stays small however many labels a run carries.
 */
public record RunInfo(Map<String, String> labels) {

  /** A run that declared nothing. */
  public static final RunInfo EMPTY = new RunInfo(Map.of());

  public RunInfo {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
