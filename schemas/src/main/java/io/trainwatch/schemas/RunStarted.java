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
 * @param job the job this run belongs to: the ranks of one distributed training, and its restarts
 * @param rank this process's rank in its job, {@code 0 <= rank < worldSize}
 * @param worldSize how many ranks the job has (data-parallel replicas); absent: unknown
 * @param device the accelerator this rank trains on (a GPU UUID, or an index such as {@code
 *     cuda:3}); with {@code host} it names the hardware behind a fault
 * @param attempt 0 for the job's first launch, +1 per restart of the job
 * @param inputEncoding what the inputs are (features or ids); {@code null} means features
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
    Integer worldSize,
    String device,
    Integer attempt,
    String model,
    Map<String, String> labels,
    Integer numClasses,
    InputRange inputRange,
    InputEncoding inputEncoding,
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
    if (worldSize != null && worldSize < 1) {
      throw new IllegalArgumentException("world_size=" + worldSize + ": must be >= 1");
    }
    if (rank != null && worldSize != null && rank >= worldSize) {
      throw new IllegalArgumentException("rank=" + rank + ": must be < world_size=" + worldSize);
    }
    if (attempt != null && attempt < 0) {
      throw new IllegalArgumentException("attempt=" + attempt + ": must be >= 0");
    }
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    rules = rules == null ? Map.of() : Map.copyOf(rules);
  }

  /** A run description without the fleet fields and the input encoding (the first contract). */
  public RunStarted(
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
      Map<String, Map<String, Object>> rules) {
    this(
        runId,
        tsMs,
        framework,
        job,
        host,
        rank,
        null,
        null,
        null,
        model,
        labels,
        numClasses,
        inputRange,
        null,
        loss,
        rules);
  }

  /**
   * The same run description as one rank of a job: job, host, rank, world size, device, attempt.
   */
  public RunStarted asRank(
      String job, String host, int rank, int worldSize, String device, int attempt) {
    return new RunStarted(
        runId,
        tsMs,
        framework,
        job,
        host,
        rank,
        worldSize,
        device,
        attempt,
        model,
        labels,
        numClasses,
        inputRange,
        inputEncoding,
        loss,
        rules);
  }

  /** The inputs' encoding, {@link InputEncoding#FEATURES} when the trainer did not say. */
  public InputEncoding inputEncodingOrDefault() {
    return inputEncoding == null ? InputEncoding.FEATURES : inputEncoding;
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
