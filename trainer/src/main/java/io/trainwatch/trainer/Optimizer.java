package io.trainwatch.trainer;

import io.trainwatch.schemas.WireName;

/** The updater of {@link TrainingRun}'s network. */
public enum Optimizer implements WireName {
  /** SGD with Nesterov momentum 0.9, learning rate 0.02. */
  SGD(0.02),
  /**
   * Adam, learning rate 1e-3. It adapts to the gradient's scale, so raw 0..255 inputs slow it down
   * without breaking the network: a run whose inputs are fixed mid-run recovers.
   */
  ADAM(1e-3);

  private final double learningRate;

  Optimizer(double learningRate) {
    this.learningRate = learningRate;
  }

  /** The healthy learning rate. */
  public double learningRate() {
    return learningRate;
  }

  @Override
  public String toString() {
    return wire();
  }
}
