package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

class LogProbNllLossTest {

  private static final int ROWS = 4;
  private static final int CLASSES = 5;

  private final LogProbNllLoss loss = new LogProbNllLoss();
  private final INDArray labels = oneHot(new int[] {0, 3, 3, 1});
  private final INDArray preOutput = randomPreOutput(7);

  @Test
  void shouldBeMinusTheMeanInputAtTheTargetClassLikePyTorchNllLoss() {
    double score = loss.computeScore(labels, preOutput, new ActivationIdentity(), null, true);

    double expected =
        -(preOutput.getDouble(0, 0)
                + preOutput.getDouble(1, 3)
                + preOutput.getDouble(2, 3)
                + preOutput.getDouble(3, 1))
            / ROWS;
    assertThat(score).isCloseTo(expected, within(1e-12));
  }

  @Test
  void shouldLieInMinusOneToZeroBehindSoftmaxNearMinusOneOverCForUniformOutputs() {
    double score = loss.computeScore(labels, preOutput, new ActivationSoftmax(), null, true);
    double uniform =
        loss.computeScore(
            labels,
            Nd4j.zeros(DataType.DOUBLE, ROWS, CLASSES),
            new ActivationSoftmax(),
            null,
            true);

    assertThat(score).isBetween(-1.0, 0.0);
    assertThat(uniform).isCloseTo(-1.0 / CLASSES, within(1e-12));
  }

  @Test
  void shouldEqualCrossEntropyBehindLogSoftmax() {
    double nll = loss.computeScore(labels, preOutput, new ActivationLogSoftmax(), null, true);
    double crossEntropy =
        new LossMCXENT().computeScore(labels, preOutput, new ActivationSoftmax(), null, true);

    assertThat(nll).isCloseTo(crossEntropy, within(1e-9));
  }

  @Test
  void shouldScoreEachExample() {
    INDArray perExample = loss.computeScoreArray(labels, preOutput, new ActivationIdentity(), null);

    assertThat(perExample.shape()).containsExactly(ROWS, 1);
    assertThat(perExample.getDouble(1, 0)).isCloseTo(-preOutput.getDouble(1, 3), within(1e-12));
  }

  @Test
  void shouldHaveTheGradientFiniteDifferencesGiveBehindSoftmax() {
    assertGradientMatchesFiniteDifferences(new ActivationSoftmax());
  }

  @Test
  void shouldHaveTheGradientFiniteDifferencesGiveBehindLogSoftmax() {
    assertGradientMatchesFiniteDifferences(new ActivationLogSoftmax());
  }

  @Test
  void shouldHaveTheGradientFiniteDifferencesGiveBehindIdentity() {
    assertGradientMatchesFiniteDifferences(new ActivationIdentity());
  }

  @Test
  void shouldNotModifyItsInputs() {
    INDArray before = preOutput.dup();

    loss.computeGradientAndScore(labels, preOutput, new ActivationSoftmax(), null, true);

    assertThat(preOutput.equalsWithEps(before, 0)).isTrue();
  }

  @Test
  void shouldDeclareThatItExpectsLogProbabilitiesAndIsNeverNegative() {
    assertThat(loss.expectedInput()).isEqualTo(io.trainwatch.schemas.InputKind.LOG_PROBABILITIES);
    assertThat(loss.lowerBound()).isEqualTo(0.0);
  }

  /** The gradient is of the summed (not averaged) score, DL4J's convention. */
  private void assertGradientMatchesFiniteDifferences(IActivation activation) {
    INDArray analytic = loss.computeGradient(labels, preOutput, activation, null);
    double h = 1e-6;
    for (int r = 0; r < ROWS; r++) {
      for (int c = 0; c < CLASSES; c++) {
        INDArray plus = preOutput.dup();
        plus.putScalar(r, c, plus.getDouble(r, c) + h);
        INDArray minus = preOutput.dup();
        minus.putScalar(r, c, minus.getDouble(r, c) - h);
        double numeric =
            (loss.computeScore(labels, plus, activation, null, false)
                    - loss.computeScore(labels, minus, activation, null, false))
                / (2 * h);
        assertThat(analytic.getDouble(r, c))
            .as("dL/dz[%d,%d] behind %s", r, c, activation)
            .isCloseTo(numeric, within(1e-6));
      }
    }
  }

  private static INDArray oneHot(int[] classes) {
    INDArray y = Nd4j.zeros(DataType.DOUBLE, classes.length, CLASSES);
    for (int r = 0; r < classes.length; r++) {
      y.putScalar(r, classes[r], 1.0);
    }
    return y;
  }

  private static INDArray randomPreOutput(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    INDArray z = Nd4j.create(DataType.DOUBLE, ROWS, CLASSES);
    for (int r = 0; r < ROWS; r++) {
      for (int c = 0; c < CLASSES; c++) {
        z.putScalar(r, c, 4 * random.nextDouble() - 2);
      }
    }
    return z;
  }
}
