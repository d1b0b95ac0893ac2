package io.trainwatch.monitor.testing;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Batches of a simulated training run: each part of a batch (loss, gradient norm, the first layer's
 * share of it, predictions, inputs, outputs) is a function of the step, so a fault can replace one
 * part from a given step on. Deterministic for a seed.
 */
public final class TrainingSimulator {

  private final String runId;
  private final Random random;
  private IntFunction<Double> loss;
  private IntFunction<Double> gradNorm;
  private IntFunction<Double> firstLayerShare;
  private IntFunction<Predictions> predictions;
  private IntFunction<Stats> input = step -> Events.standardized();
  private IntFunction<Stats> output = step -> Events.softmax(10);

  private TrainingSimulator(String runId, long seed) {
    this.runId = runId;
    this.random = new Random(seed);
    this.loss = step -> LossCurves.smallBatch(step, random);
    this.gradNorm =
        step -> (0.5 + 1.5 * Math.exp(-step / 500.0)) * Math.exp(0.5 * random.nextGaussian());
    // Healthy DL4J runs measured 0.155 to 0.83 (docs/detection-quality.md). Its own generator, so
    // that the other
    // parts draw the same numbers as before this part existed.
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

  /** The first trainable layer's gradient norm as a fraction of the whole gradient norm. */
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

  /** Batches {@code from} (inclusive) to {@code to} (exclusive). */
  public List<BatchEvent> batches(int from, int to) {
    List<BatchEvent> out = new ArrayList<>(to - from);
    for (int step = from; step < to; step++) {
      double l =
          loss.apply(
              step); // before the gradient norm: the order the parts draw their random numbers in
      double g = gradNorm.apply(step);
      out.add(
          Events.batch(runId, step)
              .loss(l)
              .gradNorm(g)
              .firstLayerGradNorm(g * firstLayerShare.apply(step))
              .predictions(predictions.apply(step))
              .input(input.apply(step))
              .output(output.apply(step))
              .build());
    }
    return out;
  }
}
