package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ActivationLogSoftmaxTest {

  private final ActivationLogSoftmax activation = new ActivationLogSoftmax();
  private final INDArray z =
      Nd4j.create(new double[] {1, 2, 3, -1, 0, 4}, new long[] {2, 3}, DataType.DOUBLE);

  @Test
  void shouldComputeTheLogOfTheSoftmaxRowByRow() {
    INDArray out = activation.getActivation(z.dup(), false);

    for (int r = 0; r < 2; r++) {
      double logSumExp =
          Math.log(
              Math.exp(z.getDouble(r, 0))
                  + Math.exp(z.getDouble(r, 1))
                  + Math.exp(z.getDouble(r, 2)));
      for (int c = 0; c < 3; c++) {
        assertThat(out.getDouble(r, c)).isCloseTo(z.getDouble(r, c) - logSumExp, within(1e-12));
      }
    }
  }

  @Test
  void shouldBackpropagateLikeFiniteDifferences() {
    INDArray epsilon =
        Nd4j.create(
            new double[] {0.3, -1, 2, 0.5, 0.25, -0.75}, new long[] {2, 3}, DataType.DOUBLE);

    INDArray analytic = activation.backprop(z.dup(), epsilon).getFirst();

    double h = 1e-6;
    for (int r = 0; r < 2; r++) {
      for (int c = 0; c < 3; c++) {
        INDArray plus = z.dup();
        plus.putScalar(r, c, plus.getDouble(r, c) + h);
        INDArray minus = z.dup();
        minus.putScalar(r, c, minus.getDouble(r, c) - h);
        double numeric =
            (activation.getActivation(plus, false).mul(epsilon).sumNumber().doubleValue()
                    - activation.getActivation(minus, false).mul(epsilon).sumNumber().doubleValue())
                / (2 * h);
        assertThat(analytic.getDouble(r, c)).isCloseTo(numeric, within(1e-6));
      }
    }
  }

  @Test
  void shouldCallItselfLogSoftmax() {
    assertThat(LossDescriptors.activationName(activation)).isEqualTo("logsoftmax");
  }
}
