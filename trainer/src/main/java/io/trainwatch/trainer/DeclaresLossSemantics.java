package io.trainwatch.trainer;

import io.trainwatch.schemas.InputKind;

/**
 * Implemented by a custom DL4J loss function ({@code ILossFunction}) to tell trainwatch what it is:
 * what it expects from the output layer and how low it can legitimately go. Without it, the
 * listener assumes a loss that expects nothing in particular and is never negative (the contract's
 * default), so a legitimately negative custom loss would be reported as a bug.
 *
 * <pre>{@code
 * public final class MyGaussianNll implements ILossFunction, DeclaresLossSemantics {
 *   public InputKind expectedInput() { return InputKind.VALUES; }
 *   public Double lowerBound() { return null; } // a density above 1 makes -log p negative
 *   ...
 * }
 * }</pre>
 */
public interface DeclaresLossSemantics {

  /** What the loss expects from the output layer, or {@code null} if it does not matter. */
  InputKind expectedInput();

  /**
   * The smallest value the loss can legitimately take, or {@code null} if it is unbounded below.
   */
  Double lowerBound();
}
