package io.trainwatch.simulator;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Batches of a simulated training run: each part of a batch (loss, gradient norm, the first layer's
 * share of it, predictions, inputs, outputs, step time) is a function of the step, so a fault can
 * replace one part from a given step on. Deterministic for a seed: the parts draw their random
 * numbers from {@link #random()} in that order, step after step. Not thread-safe.
 *
 * <p>The project's one simulator: the monitor's tests use it directly, {@link SimulatedRun} builds
 * the benchmarks' fleets on it.
 */
public final class TrainingSimulator {

  /** 2026-01-01T00:00:00Z: the event time of step 0 of {@link #batches}. */
  public static final long T0 = 1_767_225_600_000L;

  /** One batch every 100 ms of event time in {@link #batches}. */
  public static final long STEP_MS = 100;

  private final String runId;
  private final Random random;
  private IntFunction<Double> loss;
  private IntFunction<Double> gradNorm;
  private IntFunction<Double> firstLayerShare;
  private IntFunction<Predictions> predictions;
  private IntFunction<Stats> input = step -> standardizedInputs();
  private IntFunction<Stats> output = step -> softmaxOutputs(10);
  private IntFunction<Double> stepMs = step -> 12.5;
  private int batchSize = 32;
  private double lr = 0.01;
  private int stepsPerEpoch = Integer.MAX_VALUE;

  private TrainingSimulator(String runId, long seed) {
    this.runId = runId;
    this.random = new Random(seed);
    this.loss = step -> LossCurves.smallBatch(step, random);
    this.gradNorm =
        step -> (0.5 + 1.5 * Math.exp(-step / 500.0)) * Math.exp(0.5 * random.nextGaussian());
    // Healthy DL4J runs measured 0.155 to 0.83 (docs/detection-quality.md). Its own generator, so
    // that the other parts draw the same numbers as before this part existed.
    Random shares = new Random(seed ^ 0x5EEDL);
    this.firstLayerShare = step -> 0.15 + 0.7 * shares.nextDouble();
    this.predictions =
        step -> {
          double top = Math.min(1, 0.9 * Math.exp(-step / 20.0) + 0.12 + 0.1 * random.nextDouble());
          return new Predictions(
              top, Math.max(0, Math.min(1, 1.05 - top * 0.6 - 0.05 * random.nextDouble())));
        };
  }

  /** A healthy 10-class classifier trained with small, noisy batches. */
  public static TrainingSimulator healthyClassifier(String runId, long seed) {
    return new TrainingSimulator(runId, seed);
  }

  /** Standardized features: mean 0, std 1, a few values out to about 4 sigma. */
  public static Stats standardizedInputs() {
    return Stats.of(-4.1, 4.3, 0.01, 0.99, 0, 32 * 20);
  }

  /** Softmax outputs of a C-class classifier: values in (0, 1), rows summing to 1. */
  public static Stats softmaxOutputs(int classes) {
    return new Stats(0.004, 0.41, 1.0 / classes, 0.05, 0, 32L * classes, 1.0, 1.2e-7);
  }

  public String runId() {
    return runId;
  }

  /** The generator every part draws from. */
  public Random random() {
    return random;
  }

  public TrainingSimulator loss(IntFunction<Double> f) {
    loss = f;
    return this;
  }

  public TrainingSimulator gradNorm(IntFunction<Double> f) {
    gradNorm = f;
    return this;
  }

  /**
   * The first trainable layer's gradient norm as a fraction of the whole gradient norm; {@code
   * null} (the function) for a trainer that does not report it.
   */
  public TrainingSimulator firstLayerShare(IntFunction<Double> f) {
    firstLayerShare = f;
    return this;
  }

  public TrainingSimulator predictions(IntFunction<Predictions> f) {
    predictions = f;
    return this;
  }

  public TrainingSimulator input(IntFunction<Stats> f) {
    input = f;
    return this;
  }

  public TrainingSimulator output(IntFunction<Stats> f) {
    output = f;
    return this;
  }

  /** The step time the trainer reports, milliseconds (default 12.5). */
  public TrainingSimulator stepMs(IntFunction<Double> f) {
    stepMs = f;
    return this;
  }

  /** Examples per batch (default 32). */
  public TrainingSimulator batchSize(int n) {
    batchSize = n;
    return this;
  }

  /** The learning rate reported (default 0.01). */
  public TrainingSimulator lr(double v) {
    lr = v;
    return this;
  }

  /** Steps per epoch, for the epoch reported (default: every step in epoch 0). */
  public TrainingSimulator stepsPerEpoch(int n) {
    stepsPerEpoch = n;
    return this;
  }

  /** From {@code onset} on, the loss follows {@code fault}; before, what it followed so far. */
  public TrainingSimulator lossFrom(int onset, IntFunction<Double> fault) {
    IntFunction<Double> before = loss;
    loss = step -> step < onset ? before.apply(step) : fault.apply(step);
    return this;
  }

  public TrainingSimulator gradNormFrom(int onset, IntFunction<Double> fault) {
    IntFunction<Double> before = gradNorm;
    gradNorm = step -> step < onset ? before.apply(step) : fault.apply(step);
    return this;
  }

  public TrainingSimulator predictionsFrom(int onset, IntFunction<Predictions> fault) {
    IntFunction<Predictions> before = predictions;
    predictions = step -> step < onset ? before.apply(step) : fault.apply(step);
    return this;
  }

  public TrainingSimulator inputFrom(int onset, IntFunction<Stats> fault) {
    IntFunction<Stats> before = input;
    input = step -> step < onset ? before.apply(step) : fault.apply(step);
    return this;
  }

  public TrainingSimulator outputFrom(int onset, IntFunction<Stats> fault) {
    IntFunction<Stats> before = output;
    output = step -> step < onset ? before.apply(step) : fault.apply(step);
    return this;
  }

  /** Batches {@code from} (inclusive) to {@code to} (exclusive), step i at {@code T0 + i * 100}. */
  public List<BatchEvent> batches(int from, int to) {
    List<BatchEvent> out = new ArrayList<>(to - from);
    for (int step = from; step < to; step++) {
      out.add(batch(step, T0 + step * STEP_MS));
    }
    return out;
  }

  /**
   * The batch of {@code step}, at event time {@code tsMs}. Parts that keep state from step to step
   * (a diverging loss) want the steps in order.
   */
  public BatchEvent batch(int step, long tsMs) {
    // The order the parts draw their random numbers in: the loss before the gradient norm.
    double l = loss.apply(step);
    Double g = gradNorm.apply(step);
    Double first = firstLayerShare == null || g == null ? null : g * firstLayerShare.apply(step);
    Predictions p = predictions.apply(step);
    Stats in = input.apply(step);
    Stats out = output.apply(step);
    return new BatchEvent(
        runId,
        tsMs,
        step,
        step / stepsPerEpoch,
        batchSize,
        l,
        in,
        out,
        p,
        g,
        first,
        lr,
        stepMs.apply(step));
  }
}
