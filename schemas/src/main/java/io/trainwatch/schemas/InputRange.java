package io.trainwatch.schemas;

/** The range a run's inputs are expected to have after normalization. */
public record InputRange(double min, double max) {

  public InputRange {
    if (!Double.isFinite(min) || !Double.isFinite(max) || min > max) {
      throw new IllegalArgumentException(
          "input_range=[" + min + ", " + max + "]: must be finite with min <= max");
    }
  }
}
