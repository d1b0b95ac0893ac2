package io.trainwatch.trainer;

import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import java.util.Locale;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossCosineProximity;
import org.nd4j.linalg.lossfunctions.impl.LossFMeasure;
import org.nd4j.linalg.lossfunctions.impl.LossHinge;
import org.nd4j.linalg.lossfunctions.impl.LossKLD;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMAPE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSLE;
import org.nd4j.linalg.lossfunctions.impl.LossMixtureDensity;
import org.nd4j.linalg.lossfunctions.impl.LossMultiLabel;
import org.nd4j.linalg.lossfunctions.impl.LossPoisson;
import org.nd4j.linalg.lossfunctions.impl.LossSquaredHinge;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

/**
 * Derives the {@link LossDescriptor} a run publishes from its output layer's DL4J loss function and
 * activation.
 *
 * <p>The bounds are per example, before regularization (DL4J's score adds the L1/L2 penalty, which
 * is >= 0, so a lower bound stays valid).
 */
public final class LossDescriptors {

  private LossDescriptors() {}

  /**
   * Describes a loss function as used behind the given output activation.
   *
   * <ul>
   *   <li>{@code LossMCXENT}, {@code LossNegativeLogLikelihood} (DL4J's NLL is MCXENT: it takes
   *       probabilities and takes the log itself), {@code LossSparseMCXENT}, {@code
   *       LossBinaryXENT}, {@code LossKLD}, {@code LossFMeasure}: probabilities, >= 0.
   *   <li>{@code LossMSE}, {@code LossL2}, {@code LossL1}, {@code LossMAE}, {@code LossMAPE},
   *       {@code LossMSLE}, {@code LossHinge}, {@code LossSquaredHinge}, {@code LossMultiLabel}:
   *       values, >= 0.
   *   <li>{@code LossCosineProximity}: values, >= -1 (it is -cos).
   *   <li>{@code LossWasserstein}, {@code LossPoisson} (ŷ - y·ln ŷ), {@code LossMixtureDensity} (a
   *       Gaussian NLL): values, unbounded below.
   *   <li>A loss implementing {@link DeclaresLossSemantics}: what it declares.
   *   <li>Any other loss: nothing declared about its input, >= 0 (the contract's default; most
   *       losses are).
   * </ul>
   */
  public static LossDescriptor describe(ILossFunction loss, IActivation activation) {
    String name = loss.getClass().getSimpleName();
    String act = activationName(activation);
    if (loss instanceof DeclaresLossSemantics d) {
      return new LossDescriptor(name, d.expectedInput(), act, d.lowerBound());
    }
    if (loss instanceof LossMCXENT
        || loss instanceof LossBinaryXENT
        || loss instanceof LossKLD
        || loss instanceof LossFMeasure) {
      return new LossDescriptor(name, InputKind.PROBABILITIES, act, 0.0);
    }
    if (loss instanceof LossCosineProximity) {
      return new LossDescriptor(name, InputKind.VALUES, act, -1.0);
    }
    if (loss instanceof LossWasserstein
        || loss instanceof LossPoisson
        || loss instanceof LossMixtureDensity) {
      return new LossDescriptor(name, InputKind.VALUES, act, null);
    }
    if (loss instanceof LossL2
        || loss instanceof LossL1
        || loss instanceof LossMAPE
        || loss instanceof LossMSLE
        || loss instanceof LossHinge
        || loss instanceof LossSquaredHinge
        || loss instanceof LossMultiLabel) {
      return new LossDescriptor(name, InputKind.VALUES, act, 0.0);
    }
    return new LossDescriptor(name, null, act, LossDescriptor.DEFAULT_LOWER_BOUND);
  }

  /**
   * {@code true} if the loss treats the output as a distribution over mutually exclusive classes
   * (so argmax is the predicted class), {@code false} otherwise.
   */
  static boolean isCategorical(LossDescriptor loss) {
    return "softmax".equals(loss.activation())
        || "logsoftmax".equals(loss.activation())
        || loss.inputKind() == InputKind.LOG_PROBABILITIES;
  }

  /**
   * The activation's name as DL4J's {@link Activation} enum spells it, lower case ({@code softmax},
   * ...).
   */
  static String activationName(IActivation activation) {
    if (activation == null) {
      return null;
    }
    for (Activation a : Activation.values()) {
      if (a.getActivationFunction().getClass() == activation.getClass()) {
        return a.name().toLowerCase(Locale.ROOT);
      }
    }
    // A custom activation: DL4J's own activations print their name, custom ones may too.
    String s = activation.toString();
    return s == null || s.isBlank() || s.contains("@") ? activation.getClass().getSimpleName() : s;
  }
}
