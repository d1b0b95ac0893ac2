package io.trainwatch.trainer;

import io.trainwatch.schemas.WireName;

/** How {@link SyntheticPixels} presents pixel values to the network. */
public enum InputScaling implements WireName {
  /** Raw intensities 0..255: the unnormalized-input bug, never a healthy choice. */
  RAW,
  /** Divided by 255, so in [0, 1]. */
  UNIT,
  /** Per pixel, minus the training set's mean and divided by its standard deviation. */
  STANDARDIZED;

  @Override
  public String toString() {
    return wire();
  }
}
