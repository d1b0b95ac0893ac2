package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossCosineProximity;
import org.nd4j.linalg.lossfunctions.impl.LossFMeasure;
import org.nd4j.linalg.lossfunctions.impl.LossHinge;
import org.nd4j.linalg.lossfunctions.impl.LossKLD;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMAPE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossMSLE;
import org.nd4j.linalg.lossfunctions.impl.LossMixtureDensity;
import org.nd4j.linalg.lossfunctions.impl.LossMultiLabel;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;
import org.nd4j.linalg.lossfunctions.impl.LossPoisson;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossSquaredHinge;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

class LossDescriptorsTest {

  static Stream<Arguments> dl4jLosses() {
    return Stream.of(
        Arguments.of(new LossMCXENT(), InputKind.PROBABILITIES, 0.0),
        // DL4J's NLL is MCXENT: it takes probabilities and takes the log itself.
        Arguments.of(new LossNegativeLogLikelihood(), InputKind.PROBABILITIES, 0.0),
        Arguments.of(new LossSparseMCXENT(), InputKind.PROBABILITIES, 0.0),
        Arguments.of(new LossBinaryXENT(), InputKind.PROBABILITIES, 0.0),
        Arguments.of(new LossKLD(), InputKind.PROBABILITIES, 0.0),
        Arguments.of(new LossFMeasure(), InputKind.PROBABILITIES, 0.0),
        Arguments.of(new LossMSE(), InputKind.VALUES, 0.0),
        Arguments.of(new LossL2(), InputKind.VALUES, 0.0),
        Arguments.of(new LossL1(), InputKind.VALUES, 0.0),
        Arguments.of(new LossMAE(), InputKind.VALUES, 0.0),
        Arguments.of(new LossMAPE(), InputKind.VALUES, 0.0),
        Arguments.of(new LossMSLE(), InputKind.VALUES, 0.0),
        Arguments.of(new LossHinge(), InputKind.VALUES, 0.0),
        Arguments.of(new LossSquaredHinge(), InputKind.VALUES, 0.0),
        Arguments.of(new LossMultiLabel(), InputKind.VALUES, 0.0),
        Arguments.of(new LossCosineProximity(), InputKind.VALUES, -1.0),
        Arguments.of(new LossWasserstein(), InputKind.VALUES, null),
        Arguments.of(new LossPoisson(), InputKind.VALUES, null),
        Arguments.of(
            LossMixtureDensity.builder().gaussians(2).labelWidth(1).build(),
            InputKind.VALUES,
            null));
  }

  @ParameterizedTest
  @MethodSource("dl4jLosses")
  void shouldDescribeEveryDl4jLoss(ILossFunction loss, InputKind kind, Double lowerBound) {
    LossDescriptor d = LossDescriptors.describe(loss, new ActivationIdentity());

    assertThat(d.name()).isEqualTo(loss.getClass().getSimpleName());
    assertThat(d.inputKind()).isEqualTo(kind);
    assertThat(d.lowerBound()).isEqualTo(lowerBound);
    assertThat(d.activation()).isEqualTo("identity");
  }

  @Test
  void shouldTakeWhatACustomLossDeclares() {
    LossDescriptor d = LossDescriptors.describe(new LogProbNllLoss(), new ActivationSoftmax());

    assertThat(d)
        .isEqualTo(
            new LossDescriptor("LogProbNllLoss", InputKind.LOG_PROBABILITIES, "softmax", 0.0));
  }

  @Test
  void shouldAssumeTheContractDefaultForAnUndeclaredCustomLoss() {
    LossDescriptor d = LossDescriptors.describe(new UndeclaredLoss(), new ActivationSigmoid());

    assertThat(d).isEqualTo(new LossDescriptor("UndeclaredLoss", null, "sigmoid", 0.0));
  }

  @Test
  void shouldNameActivationsAsTheActivationEnumDoes() {
    assertThat(LossDescriptors.activationName(new ActivationSoftmax())).isEqualTo("softmax");
    assertThat(LossDescriptors.activationName(new ActivationTanH())).isEqualTo("tanh");
    assertThat(LossDescriptors.activationName(new ActivationLReLU())).isEqualTo("leakyrelu");
    assertThat(LossDescriptors.activationName(null)).isNull();
  }

  @Test
  void shouldTreatSoftmaxAndLogProbabilityOutputsAsClassifiers() {
    assertThat(
            LossDescriptors.isCategorical(
                LossDescriptors.describe(new LossMCXENT(), new ActivationSoftmax())))
        .isTrue();
    assertThat(
            LossDescriptors.isCategorical(
                LossDescriptors.describe(new LogProbNllLoss(), new ActivationLogSoftmax())))
        .isTrue();
    assertThat(
            LossDescriptors.isCategorical(
                LossDescriptors.describe(new LossBinaryXENT(), new ActivationSigmoid())))
        .isFalse();
    assertThat(
            LossDescriptors.isCategorical(
                LossDescriptors.describe(new LossMSE(), new ActivationIdentity())))
        .isFalse();
  }

  /** A custom loss that declares nothing. Never evaluated. */
  static final class UndeclaredLoss implements ILossFunction {
    @Override
    public double computeScore(
        INDArray labels,
        INDArray preOutput,
        IActivation activationFn,
        INDArray mask,
        boolean average) {
      throw new UnsupportedOperationException();
    }

    @Override
    public INDArray computeScoreArray(
        INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
      throw new UnsupportedOperationException();
    }

    @Override
    public INDArray computeGradient(
        INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(
        INDArray labels,
        INDArray preOutput,
        IActivation activationFn,
        INDArray mask,
        boolean average) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String name() {
      return "UndeclaredLoss";
    }
  }
}
