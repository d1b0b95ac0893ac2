package io.trainwatch.trainer;

import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.TrainingEvent;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What {@link TrainingRun} trains: a small network on {@link SyntheticPixels}, healthy or with a
 * {@link Fault}.
 *
 * <p>Build one with {@link #of} and the {@code with...} methods rather than the canonical
 * constructor, which grows when new variants are added.
 *
 * @param runId the run id events are published under
 * @param job the job name, or {@code null}
 * @param fault the bug to reproduce ({@link Fault#NONE} for a healthy run)
 * @param steps iterations (parameter updates) to run, >= 1
 * @param batchSize examples per iteration, >= 1
 * @param numClasses classes of the synthetic problem, >= 2
 * @param examples size of the generated training set, >= batchSize; one epoch = examples /
 *     batchSize steps
 * @param seed data, initialization and shuffling all follow from it
 * @param onsetStep for a timed fault, the first step it affects
 * @param recoveryStep for a timed fault, the first step it no longer affects, or {@code null} for
 *     never
 * @param labels labels published with {@code run_started}, passed through to alerts
 * @param architecture the network (a fault may replace it, see {@link Fault#VANISHING_GRADIENT})
 * @param inputScaling how healthy inputs are scaled: standardized or unit (raw is the
 *     unnormalized-input fault)
 * @param objective classification, or a cosine regression whose loss is legitimately negative
 * @param optimizer SGD with Nesterov momentum, or Adam
 * @param mixedPrecision {@code true} to train as fp16 with dynamic loss scaling would ({@link
 *     DynamicLossScaler}): steps whose scaled gradients overflow are skipped, and every batch
 *     publishes {@code loss_scale} and {@code skipped}
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
    Map<String, String> labels,
    Architecture architecture,
    InputScaling inputScaling,
    Objective objective,
    Optimizer optimizer,
    boolean mixedPrecision) {

  public static final int DEFAULT_STEPS = 300;
  public static final int DEFAULT_BATCH_SIZE = 32;
  public static final int DEFAULT_CLASSES = 10;
  public static final int DEFAULT_EXAMPLES = 2048;
  public static final long DEFAULT_SEED = 42;

  public TrainingSpec {
    TrainingEvent.requireRunId(runId);
    require(fault, "fault");
    require(architecture, "architecture");
    require(inputScaling, "input_scaling");
    require(objective, "objective");
    require(optimizer, "optimizer");
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
      throw new IllegalArgumentException(
          "examples=" + examples + ": must be >= batch_size=" + batchSize);
    }
    if (onsetStep < 0) {
      throw new IllegalArgumentException("onset_step=" + onsetStep + ": must be >= 0");
    }
    if (recoveryStep != null && recoveryStep <= onsetStep) {
      throw new IllegalArgumentException(
          "recovery_step=" + recoveryStep + ": must be > onset_step=" + onsetStep);
    }
    if (!fault.timed() && onsetStep != fault.defaultOnsetStep()) {
      throw new IllegalArgumentException(
          "fault " + fault.wire() + ": lasts the whole run, so it takes no onset step");
    }
    if (!fault.recoverable() && recoveryStep != null) {
      throw new IllegalArgumentException(
          "fault " + fault.wire() + ": cannot be fixed mid-run, so it takes no " + "recovery step");
    }
    if (inputScaling == InputScaling.RAW) {
      throw new IllegalArgumentException(
          "input_scaling=raw: raw inputs are the unnormalized-input fault");
    }
    if (objective != Objective.CLASSIFICATION
        && (fault == Fault.SOFTMAX_INTO_NLL || fault == Fault.OUTPUT_COLLAPSE)) {
      throw new IllegalArgumentException(
          "fault " + fault.wire() + ": needs objective classification");
    }
    if (optimizer == Optimizer.ADAM
        && (fault == Fault.DIVERGE || fault == Fault.EXPLODING_GRADIENT)) {
      // Adam's steps are bounded by its learning rate: the weights grow linearly and never
      // overflow.
      throw new IllegalArgumentException(
          "fault " + fault.wire() + ": reproduces SGD's blow-up; needs optimizer sgd");
    }
    if (fault == Fault.VANISHING_GRADIENT && architecture != Architecture.MLP) {
      throw new IllegalArgumentException(
          "fault vanishing-gradient: brings its own deep sigmoid network; "
              + "architecture must stay mlp");
    }
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /**
   * The default run for a fault: {@value #DEFAULT_STEPS} steps of {@value #DEFAULT_BATCH_SIZE} on
   * 10 classes, an MLP on standardized inputs with SGD, onset at {@link Fault#defaultOnsetStep()}.
   */
  public static TrainingSpec of(String runId, Fault fault) {
    return new TrainingSpec(
        runId,
        null,
        fault,
        DEFAULT_STEPS,
        DEFAULT_BATCH_SIZE,
        DEFAULT_CLASSES,
        DEFAULT_EXAMPLES,
        DEFAULT_SEED,
        fault == null ? 0 : fault.defaultOnsetStep(),
        null,
        Map.of(),
        Architecture.MLP,
        InputScaling.STANDARDIZED,
        Objective.CLASSIFICATION,
        Optimizer.SGD,
        false);
  }

  public TrainingSpec withJob(String newJob) {
    return edit(b -> b.job = newJob);
  }

  public TrainingSpec withSteps(int newSteps) {
    return edit(b -> b.steps = newSteps);
  }

  public TrainingSpec withBatchSize(int newBatchSize) {
    return edit(b -> b.batchSize = newBatchSize);
  }

  public TrainingSpec withClasses(int newNumClasses) {
    return edit(b -> b.numClasses = newNumClasses);
  }

  public TrainingSpec withSeed(long newSeed) {
    return edit(b -> b.seed = newSeed);
  }

  /**
   * A timed fault active from {@code onset} until {@code recovery} ({@code null} = never fixed).
   */
  public TrainingSpec withFaultWindow(int onset, Integer recovery) {
    return edit(
        b -> {
          b.onsetStep = onset;
          b.recoveryStep = recovery;
        });
  }

  public TrainingSpec withLabels(Map<String, String> newLabels) {
    return edit(b -> b.labels = newLabels);
  }

  public TrainingSpec withArchitecture(Architecture newArchitecture) {
    return edit(b -> b.architecture = newArchitecture);
  }

  public TrainingSpec withInputScaling(InputScaling newInputScaling) {
    return edit(b -> b.inputScaling = newInputScaling);
  }

  public TrainingSpec withObjective(Objective newObjective) {
    return edit(b -> b.objective = newObjective);
  }

  public TrainingSpec withOptimizer(Optimizer newOptimizer) {
    return edit(b -> b.optimizer = newOptimizer);
  }

  /** A spec in full precision (the spec before mixed precision). */
  public TrainingSpec(
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
      Map<String, String> labels,
      Architecture architecture,
      InputScaling inputScaling,
      Objective objective,
      Optimizer optimizer) {
    this(
        runId,
        job,
        fault,
        steps,
        batchSize,
        numClasses,
        examples,
        seed,
        onsetStep,
        recoveryStep,
        labels,
        architecture,
        inputScaling,
        objective,
        optimizer,
        false);
  }

  /** This spec trained in emulated fp16 with a dynamic loss scaler ({@link DynamicLossScaler}). */
  public TrainingSpec withMixedPrecision(boolean on) {
    return edit(b -> b.mixedPrecision = on);
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
    if (!fault.timed()) {
      return true;
    }
    return step >= onsetStep && (recoveryStep == null || step < recoveryStep);
  }

  /** This spec with {@code change} applied to a copy of its components, validated again. */
  private TrainingSpec edit(Consumer<Components> change) {
    Components b = new Components(this);
    change.accept(b);
    return b.build();
  }

  /** The components of a spec, mutable while one {@code with...} method changes some. */
  private static final class Components {
    String runId;
    String job;
    Fault fault;
    int steps;
    int batchSize;
    int numClasses;
    int examples;
    long seed;
    int onsetStep;
    Integer recoveryStep;
    Map<String, String> labels;
    Architecture architecture;
    InputScaling inputScaling;
    Objective objective;
    Optimizer optimizer;
    boolean mixedPrecision;

    Components(TrainingSpec spec) {
      runId = spec.runId;
      job = spec.job;
      fault = spec.fault;
      steps = spec.steps;
      batchSize = spec.batchSize;
      numClasses = spec.numClasses;
      examples = spec.examples;
      seed = spec.seed;
      onsetStep = spec.onsetStep;
      recoveryStep = spec.recoveryStep;
      labels = spec.labels;
      architecture = spec.architecture;
      inputScaling = spec.inputScaling;
      objective = spec.objective;
      optimizer = spec.optimizer;
      mixedPrecision = spec.mixedPrecision;
    }

    TrainingSpec build() {
      return new TrainingSpec(
          runId,
          job,
          fault,
          steps,
          batchSize,
          numClasses,
          examples,
          seed,
          onsetStep,
          recoveryStep,
          labels,
          architecture,
          inputScaling,
          objective,
          optimizer,
          mixedPrecision);
    }
  }

  private static void require(Object value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + ": required");
    }
  }
}
