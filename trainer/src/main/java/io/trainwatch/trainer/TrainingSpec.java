package io.trainwatch.trainer;

import io.trainwatch.schemas.TrainingEvent;
import java.util.Map;

/**
 * What {@link TrainingRun} trains: a small MLP on {@link SyntheticPixels}, with or without a {@link Fault}.
 *
 * <p>Build one with {@link #of} and the {@code with...} methods rather than the canonical constructor, which grows
 * when new variants are added.
 *
 * @param runId the run id events are published under
 * @param job the job name, or {@code null}
 * @param fault the bug to reproduce ({@link Fault#NONE} for a healthy run)
 * @param steps iterations (parameter updates) to run, >= 1
 * @param batchSize examples per iteration, >= 1
 * @param numClasses classes of the synthetic problem, >= 2
 * @param examples size of the generated training set, >= batchSize; one epoch = examples / batchSize steps
 * @param seed data, initialization and shuffling all follow from it
 * @param onsetStep for a timed fault, the first step it affects (0 = from the start)
 * @param recoveryStep for a timed fault, the first step it no longer affects, or {@code null} for never
 * @param labels labels published with {@code run_started}, passed through to alerts
 */
public record TrainingSpec(
    String runId,
    String job,
    Fault fault,
    int steps,
    int batchSize,
    int numClasses,
    int examples,
    long seed,
    int onsetStep,
    Integer recoveryStep,
    Map<String, String> labels) {

  public static final int DEFAULT_STEPS = 300;
  public static final int DEFAULT_BATCH_SIZE = 32;
  public static final int DEFAULT_CLASSES = 10;
  public static final int DEFAULT_EXAMPLES = 2048;
  public static final long DEFAULT_SEED = 42;

  public TrainingSpec {
    TrainingEvent.requireRunId(runId);
    if (fault == null) {
      throw new IllegalArgumentException("fault: required");
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps=" + steps + ": must be >= 1");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch_size=" + batchSize + ": must be >= 1");
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("classes=" + numClasses + ": must be >= 2");
    }
    if (examples < batchSize) {
      throw new IllegalArgumentException("examples=" + examples + ": must be >= batch_size=" + batchSize);
    }
    if (onsetStep < 0) {
      throw new IllegalArgumentException("onset_step=" + onsetStep + ": must be >= 0");
    }
    if (recoveryStep != null && recoveryStep <= onsetStep) {
      throw new IllegalArgumentException(
          "recovery_step=" + recoveryStep + ": must be > onset_step=" + onsetStep);
    }
    if (!fault.timed() && (onsetStep != 0 || recoveryStep != null)) {
      throw new IllegalArgumentException("fault " + fault.wire()
          + ": lasts the whole run, so it takes no onset or recovery step");
    }
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** The default run for a fault: {@value #DEFAULT_STEPS} steps of {@value #DEFAULT_BATCH_SIZE}, 10 classes. */
  public static TrainingSpec of(String runId, Fault fault) {
    return new TrainingSpec(runId, null, fault, DEFAULT_STEPS, DEFAULT_BATCH_SIZE, DEFAULT_CLASSES, DEFAULT_EXAMPLES,
        DEFAULT_SEED, 0, null, Map.of());
  }

  public TrainingSpec withJob(String newJob) {
    return new TrainingSpec(runId, newJob, fault, steps, batchSize, numClasses, examples, seed, onsetStep,
        recoveryStep, labels);
  }

  public TrainingSpec withSteps(int newSteps) {
    return new TrainingSpec(runId, job, fault, newSteps, batchSize, numClasses, examples, seed, onsetStep,
        recoveryStep, labels);
  }

  public TrainingSpec withBatchSize(int newBatchSize) {
    return new TrainingSpec(runId, job, fault, steps, newBatchSize, numClasses, examples, seed, onsetStep,
        recoveryStep, labels);
  }

  public TrainingSpec withClasses(int newNumClasses) {
    return new TrainingSpec(runId, job, fault, steps, batchSize, newNumClasses, examples, seed, onsetStep,
        recoveryStep, labels);
  }

  public TrainingSpec withSeed(long newSeed) {
    return new TrainingSpec(runId, job, fault, steps, batchSize, numClasses, examples, newSeed, onsetStep,
        recoveryStep, labels);
  }

  /** A timed fault active from {@code onset} until {@code recovery} ({@code null} = never fixed). */
  public TrainingSpec withFaultWindow(int onset, Integer recovery) {
    return new TrainingSpec(runId, job, fault, steps, batchSize, numClasses, examples, seed, onset, recovery,
        labels);
  }

  public TrainingSpec withLabels(Map<String, String> newLabels) {
    return new TrainingSpec(runId, job, fault, steps, batchSize, numClasses, examples, seed, onsetStep,
        recoveryStep, newLabels);
  }

  /** Steps per epoch: whole batches in the training set. */
  public int stepsPerEpoch() {
    return examples / batchSize;
  }

  /** {@code true} if the fault affects {@code step}, {@code false} otherwise. */
  public boolean faultActiveAt(int step) {
    if (fault == Fault.NONE) {
      return false;
    }
    return step >= onsetStep && (recoveryStep == null || step < recoveryStep);
  }
}
