package io.trainwatch.monitor.rules;

import static io.trainwatch.monitor.rules.RuleTesting.anonymousRun;
import static io.trainwatch.monitor.rules.RuleTesting.judge;
import static io.trainwatch.monitor.rules.RuleTesting.run;
import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Stats;
import org.junit.jupiter.api.Test;

class NegativeLossRuleTest {

  private final NegativeLossRule rule = new NegativeLossRule();

  @Test
  void shouldDiagnoseSoftmaxIntoNllForAPytorchRun() {
    RunState run = run(Events.pytorchNll("r"));

    Finding f =
        judge(rule, run, batch("r", 0).loss(-0.1031).output(Events.softmax(10)).build())
            .orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(NegativeLossRule.SOFTMAX_INTO_NLL);
    assertThat(f.value()).isEqualTo(-0.1031);
    assertThat(f.evidence())
        .containsEntry("loss", -0.1031)
        .containsEntry("lower_bound", 0.0)
        .containsEntry("loss_name", "nll_loss")
        .containsEntry("output_row_sum_mean", 1.0)
        .containsEntry("output_min", 0.004)
        .containsEntry("output_max", 0.41);
    assertThat(f.evidence().keySet()).startsWith("loss", "lower_bound", "loss_name");
  }

  @Test
  void shouldDiagnoseSoftmaxIntoNllForADl4jCustomLogProbabilityLoss() {
    RunState run = run(Events.dl4jLogProbabilityLoss("r"));

    Finding f = judge(rule, run, batch("r", 0).loss(-0.12).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(NegativeLossRule.SOFTMAX_INTO_NLL);
  }

  @Test
  void shouldTreatUndeclaredNllInDl4jAsTakingProbabilities() {
    // DL4J's LossNegativeLogLikelihood applies the log itself: softmax into it is correct, so a
    // negative score
    // there means the labels are wrong.
    RunState run =
        run(
            Events.started(
                "r",
                "dl4j",
                new LossDescriptor("LossNegativeLogLikelihood", null, "softmax", 0.0),
                10,
                null));

    Finding f = judge(rule, run, batch("r", 0).loss(-0.4).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(NegativeLossRule.LABELS_OUT_OF_RANGE);
  }

  @Test
  void shouldTreatUndeclaredNllInPytorchAsTakingLogProbabilities() {
    RunState run =
        run(
            Events.started(
                "r", "pytorch", new LossDescriptor("NLLLoss", null, null, 0.0), 10, null));

    assertThat(judge(rule, run, batch("r", 0).loss(-0.1).build()).orElseThrow().diagnosis())
        .isEqualTo(NegativeLossRule.SOFTMAX_INTO_NLL);
  }

  @Test
  void shouldRecogniseTheSignatureWithoutRunStarted() {
    RunState run = anonymousRun();

    assertThat(judge(rule, run, batch("r", 0).loss(-0.1).build()).orElseThrow().diagnosis())
        .isEqualTo(NegativeLossRule.SOFTMAX_INTO_NLL);
    assertThat(
            judge(rule, run, batch("r", 1).loss(-0.1).output(Events.logits(10)).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(NegativeLossRule.LOSS_BELOW_BOUND);
  }

  @Test
  void shouldNotCallSigmoidOutputsSoftmax() {
    RunState run = run(Events.pytorchNll("r"));
    Stats sigmoid =
        new Stats(0.01, 0.99, 0.5, 0.3, 0, 320, 5.1, 1.4); // in [0, 1] but rows sum to 5

    assertThat(
            judge(rule, run, batch("r", 0).loss(-0.3).output(sigmoid).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(NegativeLossRule.LOGITS_INTO_NLL); // not log-probabilities either
  }

  @Test
  void shouldDiagnoseRawLogitsFedToNllLoss() {
    // PyTorch's nll_loss on raw logits returns -logit[target]: the optimizer inflates the target
    // logit and the loss runs toward -1e25. Positive outputs cannot be log-probabilities.
    RunState run = run(Events.pytorchNll("r"));
    Stats logits = new Stats(-3.1e12, 4.4e12, 1.0e9, 9.7e11, 0, 320, 1.0e10, 3.3e12);

    Finding f = judge(rule, run, batch("r", 0).loss(-4.4e12).output(logits).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(NegativeLossRule.LOGITS_INTO_NLL);
    assertThat(f.evidence()).containsEntry("output_max", 4.4e12).containsEntry("loss", -4.4e12);
  }

  @Test
  void shouldDiagnoseLogitsForAnyFrameworkDeclaringLogProbabilities() {
    RunState dl4j =
        run(
            Events.started(
                "r",
                "dl4j",
                new LossDescriptor("LogProbNllLoss", InputKind.LOG_PROBABILITIES, "identity", 0.0),
                10,
                null));

    assertThat(
            judge(rule, dl4j, batch("r", 0).loss(-3.2).output(Events.logits(10)).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(NegativeLossRule.LOGITS_INTO_NLL);
  }

  @Test
  void shouldNotCallLogProbabilitiesLogits() {
    // Every output <= 0: log-probabilities, so a negative loss means the targets are wrong.
    RunState run = run(Events.pytorchNll("r"));
    Stats logProbs = new Stats(-9.2, -0.01, -2.4, 1.1, 0, 320, -24.0, 2.0);

    assertThat(
            judge(rule, run, batch("r", 0).loss(-0.4).output(logProbs).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(NegativeLossRule.LABELS_OUT_OF_RANGE);
  }

  @Test
  void shouldDiagnoseLabelsOutOfRangeForBinaryCrossEntropy() {
    RunState run =
        run(
            Events.started(
                "r",
                "pytorch",
                new LossDescriptor("BCEWithLogitsLoss", InputKind.LOGITS, "identity", 0.0),
                null,
                null));

    Finding f =
        judge(rule, run, batch("r", 0).loss(-2.7).output(Events.logits(1)).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(NegativeLossRule.LABELS_OUT_OF_RANGE);
  }

  @Test
  void shouldDiagnoseKlDivergenceInputs() {
    RunState run =
        run(
            Events.started(
                "r", "pytorch", new LossDescriptor("KLDivLoss", null, null, 0.0), 10, null));

    assertThat(
            judge(rule, run, batch("r", 0).loss(-0.05).output(Events.logits(10)).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(NegativeLossRule.KL_DIV_INPUTS);
  }

  @Test
  void shouldNeverFireForALossDeclaredUnboundedBelow() {
    RunState run = run(Events.gaussianNll("r"));

    for (int step = 0; step < 100; step++) {
      assertThat(
              judge(
                  rule, run, batch("r", step).loss(-50.0 * step).output(Events.logits(1)).build()))
          .isEmpty();
    }
  }

  @Test
  void shouldFireOnlyBelowADeclaredNegativeBound() {
    RunState run = run(Events.cosineProximity("r"));

    assertThat(judge(rule, run, batch("r", 0).loss(-0.999).output(Events.logits(8)).build()))
        .isEmpty();
    assertThat(judge(rule, run, batch("r", 1).loss(-1.0).output(Events.logits(8)).build()))
        .isEmpty();
    Finding f =
        judge(rule, run, batch("r", 2).loss(-1.3).output(Events.logits(8)).build()).orElseThrow();
    assertThat(f.diagnosis()).isEqualTo(NegativeLossRule.LOSS_BELOW_BOUND);
    assertThat(f.evidence()).containsEntry("lower_bound", -1.0);
  }

  @Test
  void shouldAbsorbRoundingAtTheBound() {
    RunState run = run(Events.dl4jMcxent("r"));

    assertThat(judge(rule, run, batch("r", 0).loss(0.0).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 1).loss(-1e-7).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 2).loss(-1e-5).build())).isPresent();
  }

  @Test
  void shouldHonourAConfiguredTolerance() {
    RunState run = run(Events.dl4jMcxent("r"));
    RuleSettings lenient = rule.spec().defaults().with("tolerance", 0.5);

    assertThat(judge(rule, run, batch("r", 0).loss(-0.4).build(), lenient)).isEmpty();
    assertThat(judge(rule, run, batch("r", 1).loss(-0.6).build(), lenient)).isPresent();
  }

  @Test
  void shouldLeaveNonFiniteLossesToTheirOwnRule() {
    RunState run = run(Events.pytorchNll("r"));

    assertThat(judge(rule, run, batch("r", 0).loss(Double.NEGATIVE_INFINITY).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 1).loss(Double.NaN).build())).isEmpty();
  }

  @Test
  void shouldStayQuietOnAHealthyCrossEntropyRun() {
    RunState run = run(Events.pytorchNll("r"));

    for (int step = 0; step < 500; step++) {
      double loss = 2.3 * Math.exp(-step / 100.0) + 0.02;
      assertThat(judge(rule, run, batch("r", step).loss(loss).build())).isEmpty();
    }
  }
}
