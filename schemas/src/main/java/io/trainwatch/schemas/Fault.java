package io.trainwatch.schemas;

import java.util.List;

/**
 * The project's one list of training bugs: what the trainer's {@code TrainingRun} reproduces on
 * purpose, faithfully (the real mistake, not a fake statistic), and what the simulator's runs
 * ({@code RunProfile}, for the benchmarks' fleets) are labeled with. The evaluation and the
 * benchmarks score the monitor against these labels.
 *
 * <p>A <em>timed</em> fault begins at the run's onset step ({@code TrainingSpec#onsetStep()},
 * default {@link #defaultOnsetStep()}) and, if a recovery step is set, is fixed again there. The
 * others are part of the network and last the whole run.
 */
public enum Fault implements WireName {
  /**
   * A healthy run (whatever architecture, input scaling, objective and optimizer the spec chooses).
   */
  NONE("none", false, true, 0, "healthy"),
  /**
   * PyTorch's classic bug: softmax probabilities fed to a loss that expects log-probabilities (the
   * trainer's {@code LogProbNllLoss}, like {@code nll_loss}). The loss is -mean(p_target): in [-1,
   * 0], near -1/C at first, sliding toward -1.
   */
  SOFTMAX_INTO_NLL(
      "softmax-into-nll",
      false,
      false,
      0,
      "softmax output into a log-probability NLL loss: loss in [-1, 0]"),
  /** Raw 0..255 pixels instead of normalized ones. */
  UNNORMALIZED_INPUT(
      "unnormalized-input", true, true, 0, "raw 0..255 pixel inputs instead of normalized ones"),
  /**
   * A learning rate far too high: the loss explodes and is NaN within two to six steps of the
   * onset.
   */
  DIVERGE(
      "diverge", true, true, 0, "learning rate 1e6: the loss explodes to NaN within a few steps"),
  /**
   * The learning rate 100 times too high from the onset: the gradient norm grows about tenfold per
   * step for four or five steps (10^3 to 10^8 times its usual level) until the network breaks; the
   * loss jumps to 10-20 and stays high, without NaN.
   */
  EXPLODING_GRADIENT(
      "exploding-gradient",
      true,
      true,
      100,
      "learning rate 100x too high from the onset: the gradient norm explodes for several steps"),
  /**
   * A deep sigmoid network (six layers) initialized with tiny weights (N(0, 0.01^2)): the gradient
   * dies on its way to the first layers, the outputs are the same for every input, the loss stays
   * at ln C.
   */
  VANISHING_GRADIENT(
      "vanishing-gradient",
      false,
      false,
      0,
      "deep sigmoid network with tiny initial weights: gradients vanish, nothing is learned"),
  /**
   * From the onset every label is class 0 (a broken label pipeline): predictions collapse onto that
   * class.
   */
  OUTPUT_COLLAPSE(
      "output-collapse",
      true,
      true,
      100,
      "every label is class 0 from the onset: predictions collapse to one class"),
  /** A learning rate 10^5 times too small (2e-7 for SGD) from the onset: the loss stops moving. */
  PLATEAU("plateau", true, true, 0, "learning rate 100000x too small: the loss never moves"),
  /**
   * Weights initialized from N(0, 1) instead of Xavier: confidently wrong at step 0, loss about 20
   * instead of ln C.
   */
  BAD_INIT_LOSS(
      "bad-init-loss",
      false,
      false,
      0,
      "weights initialized N(0, 1): the first losses are about 20"),
  /**
   * From the onset the labels of every batch are random (a corrupt shard, a broken join): the
   * network is confidently wrong, the loss spikes far above its level. Fixed at the recovery step
   * (a short window is a loss spike that recovers by itself); never fixed, the loss stays high.
   */
  CORRUPT_BATCHES(
      "corrupt-batches",
      true,
      true,
      100,
      "random labels from the onset (a corrupt shard): the loss spikes; fixed later, it recovers"),
  /**
   * At the onset the run hangs (a deadlocked data loader): no more batches, and no run_ended
   * either.
   */
  STALL("stall", true, false, 100, "hangs at the onset: batches stop and the run never ends");

  private final String wire;
  private final boolean timed;
  private final boolean recoverable;
  private final int defaultOnsetStep;
  private final String description;

  Fault(String wire, boolean timed, boolean recoverable, int defaultOnsetStep, String description) {
    this.wire = wire;
    this.timed = timed;
    this.recoverable = recoverable;
    this.defaultOnsetStep = defaultOnsetStep;
    this.description = description;
  }

  /** The spelling on the command line and in reports, e.g. {@code softmax-into-nll}. */
  @Override
  public String wire() {
    return wire;
  }

  /**
   * {@code true} if the fault can start at an onset step, {@code false} if it lasts the whole run.
   */
  public boolean timed() {
    return timed;
  }

  /** {@code true} if a timed fault can be fixed at a recovery step, {@code false} otherwise. */
  public boolean recoverable() {
    return recoverable && timed;
  }

  /**
   * The onset step {@code TrainingSpec.of} uses: 100 for faults that need a healthy baseline first,
   * else 0.
   */
  public int defaultOnsetStep() {
    return defaultOnsetStep;
  }

  /** One line for people. */
  public String description() {
    return description;
  }

  /** Parses the command-line spelling. */
  public static Fault fromWire(String s) {
    return WireName.parse(Fault.class, s);
  }

  /** Every fault's command-line spelling. */
  public static List<String> wireNames() {
    return WireName.names(Fault.class);
  }

  @Override
  public String toString() {
    return wire;
  }
}
