package io.trainwatch.simulator;

import io.trainwatch.schemas.Fault;

/**
 * What kind of training a {@link SimulatedRun} is: its {@link Fault} from the project's one fault
 * list (the one the trainer reproduces for real), and whether its loss goes below zero by design.
 * The benchmarks' fleets mix these profiles; their tallies and report keep this order.
 */
public enum RunProfile {
  /**
   * A classifier converging normally (DL4J softmax + MCXENT, or PyTorch logits + CrossEntropyLoss).
   */
  HEALTHY(Fault.NONE, false),
  /**
   * A VAE-style Gaussian NLL: healthy, but the loss legitimately goes below zero (declared
   * unbounded below).
   */
  GAUSSIAN_NLL(Fault.NONE, true),
  /**
   * {@link Fault#SOFTMAX_INTO_NLL}: PyTorch {@code nll_loss} fed softmax probabilities, the loss
   * sits in [-1, 0] from the first batch.
   */
  SOFTMAX_INTO_NLL(Fault.SOFTMAX_INTO_NLL, false),
  /** {@link Fault#UNNORMALIZED_INPUT}: raw 0..255 pixels fed to the network. */
  UNNORMALIZED_INPUT(Fault.UNNORMALIZED_INPUT, false),
  /**
   * {@link Fault#DIVERGE}: the learning rate is too high, the loss explodes after a few dozen
   * steps, then turns NaN.
   */
  DIVERGING(Fault.DIVERGE, false);

  private final Fault fault;
  private final boolean negativeByDesign;

  RunProfile(Fault fault, boolean negativeByDesign) {
    this.fault = fault;
    this.negativeByDesign = negativeByDesign;
  }

  /** The run's fault, {@link Fault#NONE} for a healthy one. */
  public Fault fault() {
    return fault;
  }

  /** {@code true} if a monitor should alert on this run, {@code false} otherwise. */
  public boolean faulty() {
    return fault != Fault.NONE;
  }

  /**
   * {@code true} if the run's loss goes below zero by design (a declared unbounded-below loss), not
   * because of a fault.
   */
  public boolean negativeByDesign() {
    return negativeByDesign;
  }
}
