package io.trainwatch.trainer;

import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.WireName;

/**
 * The network {@link TrainingRun} trains (a fault may bring its own, see {@link
 * Fault#VANISHING_GRADIENT}).
 */
public enum Architecture implements WireName {
  /** Dense 64 and 32 ReLU units, Xavier initialization. */
  MLP,
  /** Five dense layers of 64 ReLU units, He initialization. */
  DEEP_MLP,
  /**
   * A 3x3 convolution with 8 ReLU channels, 2x2 max pooling, dense 32 ReLU: on the 8x8 images as
   * images.
   */
  CONV;

  @Override
  public String toString() {
    return wire();
  }
}
