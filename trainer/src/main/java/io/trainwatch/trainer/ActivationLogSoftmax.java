package io.trainwatch.trainer;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Log-softmax over the last dimension of a [batch, classes] array: the activation a log-probability
 * loss such as {@link LogProbNllLoss} belongs behind. DL4J 1.0.0-M2.1's {@code Activation} enum has
 * no log-softmax.
 */
public final class ActivationLogSoftmax extends BaseActivationFunction {

  private static final long serialVersionUID = 1L;

  @Override
  public INDArray getActivation(INDArray in, boolean training) {
    Nd4j.getExecutioner().exec(new LogSoftMax(in, in));
    return in;
  }

  /** dL/dz = dL/dy - softmax(z) * sum_j dL/dy_j, row by row. */
  @Override
  public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
    assertShape(in, epsilon);
    INDArray softmax = Transforms.exp(getActivation(in, true), false);
    INDArray epsilonRowSums = epsilon.sum(true, 1);
    return new Pair<>(epsilon.sub(softmax.muliColumnVector(epsilonRowSums)), null);
  }

  @Override
  public String toString() {
    return "logsoftmax";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ActivationLogSoftmax;
  }

  @Override
  public int hashCode() {
    return ActivationLogSoftmax.class.hashCode();
  }
}
