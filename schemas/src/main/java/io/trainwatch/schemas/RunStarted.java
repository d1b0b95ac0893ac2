package io.trainwatch.schemas;

import java.util.Map;

/**
 * A training run begins and describes itself: framework, loss semantics, expected input range, rule
 * overrides.
 *
 * <p>Optional fields are {@code null} when absent; {@code labels} and {@code rules} are never
 * {@code null}.
 *
 * @param framework {@code dl4j}, {@code pytorch}, ...: selects the wording of remediation hints
 * @param rules per-rule setting overrides keyed by rule id, e.g. {@code loss_plateau ->
 *     {enabled=false}}
 */
public record RunStarted(
    String runId,
    long tsMs,
    String framework,
    String job,
    String host,
    Integer rank,
    String model,
    Map<String, String> labels,
    Integer numClasses,
    InputRange inputRange,
    LossDescriptor loss,
    Map<String, Map<String, Object>> rules)
    implements TrainingEvent {

  public RunStarted {
    TrainingEvent.requireRunId(runId);
    if (framework == null || framework.isBlank()) {
      throw new IllegalArgumentException("framework: must not be empty");
    }
    if (numClasses != null && numClasses < 1) {
      throw new IllegalArgumentException("num_classes=" + numClasses + ": must be >= 1");
    }
    if (rank != null && rank < 0) {
      throw new IllegalArgumentException("rank=" + rank + ": must be >= 0");
    }
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    rules = rules == null ? Map.of() : Map.copyOf(rules);
  }

  /** A minimal run description: the given framework and loss, nothing else. */
  public static RunStarted of(String runId, long tsMs, String framework, LossDescriptor loss) {
    return new RunStarted(
        runId, tsMs, framework, null, null, null, null, Map.of(), null, null, loss, Map.of());
  }

  @Override
  public String type() {
    return "run_started";
  }
}
