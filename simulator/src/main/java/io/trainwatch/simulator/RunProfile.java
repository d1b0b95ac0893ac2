package io.trainwatch.simulator;

/**
 * What kind of training a {@link SimulatedRun} is, and for faulty ones, what went wrong: the
 * simulated fleet's fault list.
 */
public enum RunProfile {
  /**
   * A classifier converging normally (DL4J softmax + MCXENT, or PyTorch logits + CrossEntropyLoss).
   */
  HEALTHY(false),
  /** A VAE-style Gaussian NLL: the loss legitimately goes below zero (declared unbounded below). */
  GAUSSIAN_NLL(false),
  /**
   * PyTorch {@code nll_loss} fed softmax probabilities: the loss sits in [-1, 0] from the first
   * batch.
   */
  SOFTMAX_INTO_NLL(true),
  /** Raw 0..255 pixels fed to the network. */
  UNNORMALIZED_INPUT(true),
  /** The learning rate is too high: the loss explodes after a few dozen steps, then turns NaN. */
  DIVERGING(true);

  private final boolean faulty;

  RunProfile(boolean faulty) {
    this.faulty = faulty;
  }

  /** {@code true} if a monitor should alert on this run, {@code false} otherwise. */
  public boolean faulty() {
    return faulty;
  }
}
