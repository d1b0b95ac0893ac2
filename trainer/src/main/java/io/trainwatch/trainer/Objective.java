package io.trainwatch.trainer;

import io.trainwatch.schemas.WireName;

/** What {@link TrainingRun}'s network learns from the same labels. */
public enum Objective implements WireName {
  /** Classify: softmax output, {@code LossMCXENT} (loss >= 0, starts near ln C). */
  CLASSIFICATION,
  /**
   * Regress onto each class's one-hot direction with {@code LossCosineProximity} behind an identity
   * output: a legitimately negative loss (it is -cos, from about 0 down toward -1), declared with
   * lower bound -1.
   */
  COSINE_REGRESSION;

  @Override
  public String toString() {
    return wire();
  }
}
