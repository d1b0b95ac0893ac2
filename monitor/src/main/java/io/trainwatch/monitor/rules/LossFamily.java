package io.trainwatch.monitor.rules;

import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import java.util.Locale;

/**
 * Families of loss functions, recognised from the framework's loss name across frameworks'
 * spellings.
 */
public enum LossFamily {
  /**
   * Negative log-likelihood of a class: PyTorch {@code nll_loss}, DL4J {@code
   * LossNegativeLogLikelihood}.
   */
  NLL,
  /**
   * Multi-class cross-entropy: {@code CrossEntropyLoss}, {@code LossMCXENT}, {@code
   * categorical_crossentropy}.
   */
  CROSS_ENTROPY,
  /** Binary cross-entropy: {@code BCELoss}, {@code BCEWithLogitsLoss}, {@code LossBinaryXENT}. */
  BINARY_CROSS_ENTROPY,
  /** Kullback-Leibler divergence: {@code KLDivLoss}, {@code LossKLD}. */
  KL_DIVERGENCE,
  /** Anything else (regression losses, Gaussian NLL, custom losses...). */
  OTHER;

  private static final java.util.regex.Pattern NOT_ALPHANUMERIC =
      java.util.regex.Pattern.compile("[^a-z0-9]");

  /** The family of a declared loss; {@link #OTHER} when none was declared. */
  public static LossFamily of(LossDescriptor loss) {
    return loss == null ? OTHER : of(loss.name());
  }

  /** The family of a loss name. */
  public static LossFamily of(String name) {
    String n = NOT_ALPHANUMERIC.matcher(name.toLowerCase(Locale.ROOT)).replaceAll("");
    if (n.contains("gaussian") || n.contains("poisson") || n.contains("ctc")) {
      return OTHER; // Gaussian/Poisson NLL and CTC are likelihoods of values, not class
      // log-probabilities.
    }
    if (n.contains("kld") || n.contains("kldiv") || n.contains("kullback")) {
      return KL_DIVERGENCE;
    }
    if (n.contains("binary") || n.contains("bce") || n.contains("sigmoidcrossentropy")) {
      return BINARY_CROSS_ENTROPY;
    }
    if (n.contains("nll") || n.contains("negativeloglikelihood")) {
      return NLL;
    }
    if (n.contains("crossentropy") || n.contains("xent")) {
      return CROSS_ENTROPY;
    }
    return OTHER;
  }

  /**
   * {@code true} if the loss expects log-probabilities from the network, {@code false} otherwise. A
   * declared {@code input_kind} decides; without one, an NLL loss expects log-probabilities
   * everywhere except in DL4J, whose {@code LossNegativeLogLikelihood} takes probabilities and
   * applies the log itself.
   */
  public static boolean expectsLogProbabilities(LossDescriptor loss, String framework) {
    if (loss == null) {
      return false;
    }
    if (loss.inputKind() != null) {
      return loss.inputKind() == InputKind.LOG_PROBABILITIES;
    }
    return of(loss) == NLL && !"dl4j".equals(framework) && !"deeplearning4j".equals(framework);
  }
}
