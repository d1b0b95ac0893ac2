package io.trainwatch.trainer;

import io.trainwatch.schemas.InputKind;
import org.nd4j.common.base.Preconditions;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossUtil;

/**
 * Negative log-likelihood over log-probabilities, exactly like PyTorch's {@code nll_loss}: for
 * one-hot labels y, {@code loss = -mean_n sum_c y[n,c] * x[n,c]}. It does not take a log itself,
 * unlike DL4J's {@code LossNegativeLogLikelihood} (which is MCXENT).
 *
 * <p>Correct behind a log-softmax output ({@link ActivationLogSoftmax}). Behind a softmax output it
 * reproduces the classic bug: the loss becomes {@code -mean(p_target)}, in [-1, 0], starting near
 * {@code -1/C}, and "improves" toward -1. It declares what it expects (log-probabilities, never
 * below 0), so the monitor can tell.
 *
 * <p>DL4J convention: {@link #computeGradient} returns dL/dz per example (not averaged); the layer
 * averages over the minibatch.
 */
public final class LogProbNllLoss implements ILossFunction, DeclaresLossSemantics {

  private static final long serialVersionUID = 1L;

  /** Needed by DL4J's JSON configuration serialization. */
  public LogProbNllLoss() {}

  @Override
  public InputKind expectedInput() {
    return InputKind.LOG_PROBABILITIES;
  }

  @Override
  public Double lowerBound() {
    return 0.0;
  }

  private static INDArray scoreArray(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    checkShapes(labels, preOutput);
    INDArray logProbs = activationFn.getActivation(preOutput.dup(), true);
    INDArray scores = logProbs.muli(labels.castTo(preOutput.dataType())).negi();
    if (mask != null) {
      LossUtil.applyMask(scores, mask);
    }
    return scores;
  }

  @Override
  public double computeScore(
      INDArray labels,
      INDArray preOutput,
      IActivation activationFn,
      INDArray mask,
      boolean average) {
    double score = scoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
    return average ? score / preOutput.size(0) : score;
  }

  @Override
  public INDArray computeScoreArray(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    return scoreArray(labels, preOutput, activationFn, mask).sum(true, 1);
  }

  @Override
  public INDArray computeGradient(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    checkShapes(labels, preOutput);
    // d(-y·x)/dx = -y; the activation turns dL/dx into dL/dz. backprop() works in place, so give it
    // a copy.
    INDArray dLdx = labels.castTo(preOutput.dataType()).neg();
    if (mask != null && LossUtil.isPerOutputMasking(dLdx, mask)) {
      LossUtil.applyMask(dLdx, mask);
    }
    INDArray gradient = activationFn.backprop(preOutput.dup(), dLdx).getFirst();
    if (mask != null) {
      LossUtil.applyMask(gradient, mask);
    }
    return gradient;
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(
      INDArray labels,
      INDArray preOutput,
      IActivation activationFn,
      INDArray mask,
      boolean average) {
    return new Pair<>(
        computeScore(labels, preOutput, activationFn, mask, average),
        computeGradient(labels, preOutput, activationFn, mask));
  }

  private static void checkShapes(INDArray labels, INDArray preOutput) {
    if (!labels.equalShapes(preOutput)) {
      Preconditions.throwEx(
          "Labels and preOutput must have equal shapes: got shapes %s vs %s",
          labels.shape(), preOutput.shape());
    }
  }

  @Override
  public String name() {
    return "LogProbNllLoss";
  }

  @Override
  public String toString() {
    return name();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogProbNllLoss;
  }

  @Override
  public int hashCode() {
    return LogProbNllLoss.class.hashCode();
  }
}
