package io.trainwatch.monitor.testing;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputEncoding;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.simulator.TrainingSimulator;
import java.util.Map;

/** Realistic events for tests: what a healthy or broken trainer would publish. */
public final class Events {

  /** 2026-01-01T00:00:00Z: the event time of step 0 in tests (as in the simulator). */
  public static final long T0 = TrainingSimulator.T0;

  /** One batch every 100 ms of event time. */
  public static final long STEP_MS = TrainingSimulator.STEP_MS;

  private Events() {}

  /** Standardized features: mean 0, std 1, a few values out to about 4 sigma. */
  public static Stats standardized() {
    return TrainingSimulator.standardizedInputs();
  }

  /** Features scaled to [0, 1] (e.g. pixels divided by 255). */
  public static Stats unitRange() {
    return Stats.of(0, 1, 0.29, 0.31, 0, 32 * 784);
  }

  /** Raw 0..255 pixels. */
  public static Stats pixels() {
    return Stats.of(0, 255, 73.5, 88.6, 0, 32 * 784);
  }

  /** Softmax outputs of a C-class classifier: values in (0, 1), rows summing to 1. */
  public static Stats softmax(int classes) {
    return TrainingSimulator.softmaxOutputs(classes);
  }

  /** Raw logits: unbounded values, rows summing to anything. */
  public static Stats logits(int classes) {
    return new Stats(-6.2, 7.9, 0.12, 2.3, 0, 32L * classes, 1.2, 4.1);
  }

  /** Outputs that blew up. */
  public static Stats nonfiniteOutputs(int classes) {
    return new Stats(
        Double.NaN, Double.NaN, Double.NaN, Double.NaN, 32L * classes, 32L * classes, null, null);
  }

  /**
   * A batch builder with a healthy default: standardized inputs, softmax outputs over 10 classes.
   */
  public static BatchBuilder batch(String runId, long step) {
    return new BatchBuilder(runId, step);
  }

  /** PyTorch classifier trained with nll_loss (expects log-probabilities). */
  public static RunStarted pytorchNll(String runId) {
    return started(
        runId,
        "pytorch",
        new LossDescriptor("nll_loss", InputKind.LOG_PROBABILITIES, "log_softmax", 0.0),
        10,
        null);
  }

  /** DL4J classifier trained with LossMCXENT on softmax. */
  public static RunStarted dl4jMcxent(String runId) {
    return started(
        runId,
        "dl4j",
        new LossDescriptor("LossMCXENT", InputKind.PROBABILITIES, "softmax", 0.0),
        10,
        null);
  }

  /**
   * DL4J classifier whose custom loss expects log-probabilities (the DL4J way to feed softmax into
   * NLL).
   */
  public static RunStarted dl4jLogProbabilityLoss(String runId) {
    return started(
        runId,
        "dl4j",
        new LossDescriptor(
            "NegativeLogLikelihoodOnLogProbabilities", InputKind.LOG_PROBABILITIES, "softmax", 0.0),
        10,
        null);
  }

  /** PyTorch regression with Gaussian NLL: legitimately negative, declared unbounded below. */
  public static RunStarted gaussianNll(String runId) {
    return started(
        runId,
        "pytorch",
        new LossDescriptor("GaussianNLLLoss", InputKind.VALUES, null, null),
        null,
        null);
  }

  /** DL4J with LossCosineProximity: bounded below by -1. */
  public static RunStarted cosineProximity(String runId) {
    return started(
        runId,
        "dl4j",
        new LossDescriptor("LossCosineProximity", InputKind.VALUES, "identity", -1.0),
        null,
        null);
  }

  /** A run_started with the given parts and nothing else. */
  public static RunStarted started(
      String runId, String framework, LossDescriptor loss, Integer numClasses, InputRange range) {
    return new RunStarted(
        runId,
        T0 - 1000,
        framework,
        "job-" + framework,
        "host-1",
        0,
        "test model",
        Map.of("team", "ml"),
        numClasses,
        range,
        loss,
        Map.of());
  }

  /**
   * The run_started of one rank of a distributed PyTorch job: a 10-class model, no loss declared, a
   * second before step 0.
   */
  public static RunStarted rankStarted(
      String runId, String job, String host, int rank, int world, String device, int attempt) {
    return new RunStarted(
        runId, T0 - 1000, "pytorch", job, host, rank, world, device, attempt, "model", Map.of(), 10,
        null, null, null, Map.of());
  }

  /** A run_started with per-run rule overrides. */
  public static RunStarted withRules(RunStarted s, Map<String, Map<String, Object>> rules) {
    return new RunStarted(
        s.runId(),
        s.tsMs(),
        s.framework(),
        s.job(),
        s.host(),
        s.rank(),
        s.model(),
        s.labels(),
        s.numClasses(),
        s.inputRange(),
        s.loss(),
        rules);
  }

  /** The same run_started, declaring its inputs token ids (a language model's). */
  public static RunStarted withTokenIds(RunStarted s) {
    return new RunStarted(
        s.runId(),
        s.tsMs(),
        s.framework(),
        s.job(),
        s.host(),
        s.rank(),
        s.worldSize(),
        s.device(),
        s.attempt(),
        s.model(),
        s.labels(),
        s.numClasses(),
        s.inputRange(),
        InputEncoding.TOKEN_IDS,
        s.loss(),
        s.rules());
  }

  /** Token ids of a GPT-2-sized vocabulary (0..50,256). */
  public static Stats tokenIds() {
    return Stats.of(0, 50256, 12873.4, 11920.2, 0, 32 * 128);
  }

  /** A completed run_ended. */
  public static RunEnded ended(String runId, long step) {
    return new RunEnded(runId, ts(step) + 50, RunStatus.COMPLETED, null);
  }

  /** Event time of a step. */
  public static long ts(long step) {
    return T0 + step * STEP_MS;
  }

  /** Builds batch events. */
  public static final class BatchBuilder {
    private final String runId;
    private final long step;
    private double loss = 2.1;
    private Stats input = standardized();
    private Stats output = softmax(10);
    private Predictions predictions = new Predictions(0.2, 0.93);
    private Double gradNorm = 1.3;
    private Double firstLayerGradNorm;
    private Double lr = 0.01;
    private Integer batchSize = 32;
    private Double lossScale;
    private Boolean skipped;

    private BatchBuilder(String runId, long step) {
      this.runId = runId;
      this.step = step;
    }

    public BatchBuilder loss(double v) {
      loss = v;
      return this;
    }

    public BatchBuilder input(Stats s) {
      input = s;
      return this;
    }

    public BatchBuilder output(Stats s) {
      output = s;
      return this;
    }

    public BatchBuilder predictions(Predictions p) {
      predictions = p;
      return this;
    }

    public BatchBuilder gradNorm(Double g) {
      gradNorm = g;
      return this;
    }

    public BatchBuilder firstLayerGradNorm(Double g) {
      firstLayerGradNorm = g;
      return this;
    }

    public BatchBuilder lr(Double v) {
      lr = v;
      return this;
    }

    public BatchBuilder batchSize(Integer n) {
      batchSize = n;
      return this;
    }

    /** The loss scaler's scale for this step and whether it skipped the step. */
    public BatchBuilder lossScale(Double scale, Boolean stepSkipped) {
      lossScale = scale;
      skipped = stepSkipped;
      return this;
    }

    public BatchEvent build() {
      return new BatchEvent(
              runId,
              ts(step),
              step,
              0,
              batchSize,
              loss,
              input,
              output,
              predictions,
              gradNorm,
              firstLayerGradNorm,
              lr,
              12.5)
          .withLossScale(lossScale, skipped);
    }
  }
}
