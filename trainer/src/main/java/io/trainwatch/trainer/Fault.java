package io.trainwatch.trainer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A training bug {@link TrainingRun} can reproduce on purpose, faithfully: the real mistake, not a fake statistic.
 * Faults marked "from onset" begin at {@link TrainingSpec#onsetStep()} and, if {@link TrainingSpec#recoveryStep()} is
 * set, are fixed again there; the others are part of the network and last the whole run.
 */
public enum Fault {
  /** A healthy run: softmax + MCXENT, standardized inputs, a sane learning rate. */
  NONE("none", false, "healthy: softmax + MCXENT, standardized inputs"),
  /**
   * PyTorch's classic bug: softmax probabilities fed to a loss that expects log-probabilities ({@link LogProbNllLoss},
   * like {@code nll_loss}). The loss is -mean(p_target): in [-1, 0], near -1/C at first, sliding toward -1.
   */
  SOFTMAX_INTO_NLL("softmax-into-nll", false, "softmax output into a log-probability NLL loss: loss in [-1, 0]"),
  /** Raw 0..255 pixels instead of standardized ones (from onset, until recovery if set). */
  UNNORMALIZED_INPUT("unnormalized-input", true, "raw 0..255 pixel inputs instead of standardized ones"),
  /**
   * A learning rate far too high (1e6 instead of 0.02): the loss explodes and is NaN within two to six steps of the
   * onset. With an onset it is a mid-run learning-rate jump.
   */
  DIVERGE("diverge", true, "learning rate 1e6 instead of 0.02: the loss explodes to NaN");

  private final String wire;
  private final boolean timed;
  private final String description;

  Fault(String wire, boolean timed, String description) {
    this.wire = wire;
    this.timed = timed;
    this.description = description;
  }

  /** The spelling on the command line and in reports, e.g. {@code softmax-into-nll}. */
  public String wire() {
    return wire;
  }

  /** {@code true} if the fault can start at an onset step and be fixed at a recovery step, {@code false} otherwise. */
  public boolean timed() {
    return timed;
  }

  /** One line for people. */
  public String description() {
    return description;
  }

  /** Parses the command-line spelling. */
  public static Fault fromWire(String s) {
    for (Fault f : values()) {
      if (f.wire.equals(s)) {
        return f;
      }
    }
    throw new IllegalArgumentException("'" + s + "': not one of " + String.join(", ", wireNames()));
  }

  /** Every fault's command-line spelling. */
  public static List<String> wireNames() {
    List<String> names = new ArrayList<>();
    for (Fault f : values()) {
      names.add(f.wire);
    }
    return names;
  }

  @Override
  public String toString() {
    return wire;
  }

  /** picocli: {@code --fault softmax-into-nll}. */
  public static final class Converter implements ITypeConverter<Fault> {
    @Override
    public Fault convert(String value) {
      try {
        return fromWire(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** picocli: the values listed in {@code --help}. */
  public static final class Names implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return wireNames().iterator();
    }
  }
}
