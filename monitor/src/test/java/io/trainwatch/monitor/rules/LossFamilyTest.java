package io.trainwatch.monitor.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LossFamilyTest {

  @ParameterizedTest
  @CsvSource({
    "nll_loss, NLL",
    "NLLLoss, NLL",
    "LossNegativeLogLikelihood, NLL",
    "CrossEntropyLoss, CROSS_ENTROPY",
    "LossMCXENT, CROSS_ENTROPY",
    "categorical_crossentropy, CROSS_ENTROPY",
    "BCEWithLogitsLoss, BINARY_CROSS_ENTROPY",
    "LossBinaryXENT, BINARY_CROSS_ENTROPY",
    "binary_crossentropy, BINARY_CROSS_ENTROPY",
    "KLDivLoss, KL_DIVERGENCE",
    "LossKLD, KL_DIVERGENCE",
    "GaussianNLLLoss, OTHER",
    "PoissonNLLLoss, OTHER",
    "LossMSE, OTHER",
    "LossWasserstein, OTHER",
  })
  void shouldRecogniseLossNamesAcrossFrameworks(String name, LossFamily family) {
    assertThat(LossFamily.of(name)).isEqualTo(family);
  }

  @ParameterizedTest
  @CsvSource({
    "nll_loss, , pytorch, true",
    "LossNegativeLogLikelihood, , dl4j, false",
    "LossNegativeLogLikelihood, , deeplearning4j, false",
    "LossNegativeLogLikelihood, log_probabilities, dl4j, true",
    "nll_loss, probabilities, pytorch, false",
    "CrossEntropyLoss, , pytorch, false",
  })
  void shouldTellWhetherALossExpectsLogProbabilities(
      String name, String kind, String framework, boolean expected) {
    LossDescriptor d =
        new LossDescriptor(name, kind == null ? null : InputKind.fromWire(kind), null, 0.0);

    assertThat(LossFamily.expectsLogProbabilities(d, framework)).isEqualTo(expected);
  }
}
