package io.trainwatch.schemas;

/**
 * What a run's loss is: the facts a rule needs to tell a buggy negative loss from a legitimate one.
 *
 * @param name the framework's loss name ({@code LossMCXENT}, {@code nll_loss}, ...)
 * @param inputKind what the loss expects from the output layer, or {@code null} if not declared
 * @param activation the output layer's activation ({@code softmax}, ...), or {@code null} if not
 *     declared
 * @param lowerBound the smallest legitimate loss, or {@code null} when the loss is unbounded below
 */
public record LossDescriptor(
    String name, InputKind inputKind, String activation, Double lowerBound) {

  /** The lower bound assumed when a run does not declare one: most training losses are >= 0. */
  public static final double DEFAULT_LOWER_BOUND = 0.0;

  public LossDescriptor {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("loss.name: must not be empty");
    }
    if (lowerBound != null && !Double.isFinite(lowerBound)) {
      throw new IllegalArgumentException(
          "loss.lower_bound=" + lowerBound + ": must be a finite number or null");
    }
  }

  /** {@code true} if the loss can legitimately take any negative value, {@code false} otherwise. */
  public boolean unboundedBelow() {
    return lowerBound == null;
  }
}
