package io.trainwatch.schemas;

/**
 * How a classifier's predicted classes (argmax of the output) are spread over one batch.
 *
 * @param topClassFraction fraction of rows whose argmax is the batch's most frequent class, in [0,
 *     1]
 * @param entropy entropy of the argmax histogram normalized by ln(classes), in [0, 1]; 0 means
 *     every row predicts the same class
 */
public record Predictions(double topClassFraction, double entropy) {

  public Predictions {
    if (!(topClassFraction >= 0 && topClassFraction <= 1)) {
      throw new IllegalArgumentException(
          "top_class_fraction=" + topClassFraction + ": must be in [0, 1]");
    }
    if (!(entropy >= 0 && entropy <= 1)) {
      throw new IllegalArgumentException("entropy=" + entropy + ": must be in [0, 1]");
    }
  }
}
