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
import io.trainwatch.schemas.RunStarted;
import org.junit.jupiter.api.Test;

class LossAtInitRuleTest {

  private final LossAtInitRule rule = new LossAtInitRule();

  @Test
  void shouldFlagALossFarAboveLnC() {
    RunState run =
        run(Events.dl4jMcxent("r")); // 10 classes: expect ln 10 = 2.30, limit 2 * 2.30 + 2 = 6.61

    Finding f = judge(rule, run, batch("r", 0).loss(87.3).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(LossAtInitRule.INIT_LOSS_TOO_HIGH);
    assertThat(f.evidence())
        .containsEntry("loss", 87.3)
        .containsEntry("num_classes", 10)
        .containsEntry("expected_loss", Math.log(10))
        .containsEntry("loss_name", "LossMCXENT");
  }

  @Test
  void shouldRecogniseMinusOneOverC() {
    Finding f =
        judge(rule, run(Events.pytorchNll("r")), batch("r", 0).loss(-0.1).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(LossAtInitRule.SOFTMAX_INTO_NLL);
  }

  @Test
  void shouldAcceptAHealthyStartIncludingALargishOne() {
    RunState run = run(Events.dl4jMcxent("r"));

    assertThat(judge(rule, run, batch("r", 0).loss(6.6).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 1).loss(4.9).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 2).loss(2.31).build())).isEmpty();
  }

  @Test
  void shouldFireJustAboveTheLimit() {
    assertThat(judge(rule, run(Events.dl4jMcxent("r")), batch("r", 0).loss(6.62).build()))
        .isPresent();
  }

  @Test
  void shouldLeaveABadFirstUpdateToOtherRules() {
    // Learning rate 1e6: the first loss is a normal ln C, the next ones explode. Not an
    // initialization problem.
    RunState run = run(Events.dl4jMcxent("r"));

    assertThat(judge(rule, run, batch("r", 0).loss(2.3).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 1).loss(4e3).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 2).loss(9e7).build())).isEmpty();
  }

  @Test
  void shouldKeepFiringWhileEveryBatchSoFarWasWrong() {
    RunState run = run(Events.pytorchNll("r"));

    for (int step = 0; step < 5; step++) {
      assertThat(judge(rule, run, batch("r", step).loss(-0.1 - step * 0.01).build())).isPresent();
    }
  }

  @Test
  void shouldGiveTwoClassProblemsAMargin() {
    RunStarted binary =
        Events.started(
            "r",
            "pytorch",
            new LossDescriptor("CrossEntropyLoss", InputKind.LOGITS, null, 0.0),
            2,
            null);

    assertThat(judge(rule, run(binary), batch("r", 0).loss(3.3).build()))
        .isEmpty(); // ln 2 = 0.69; limit 3.39
    assertThat(judge(rule, run(binary), batch("r", 0).loss(3.5).build())).isPresent();
  }

  @Test
  void shouldOnlyJudgeTheFirstBatchesFromStepZero() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 5; step++) {
      judge(rule, run, batch("r", step).loss(2.3).build());
    }

    assertThat(rule.appliesTo(run, batch("r", 5).loss(90).build(), rule.spec().defaults()))
        .isFalse();
    RunState resumed = run(Events.dl4jMcxent("r2"));
    assertThat(
            rule.appliesTo(resumed, batch("r2", 12_000).loss(90).build(), rule.spec().defaults()))
        .isFalse();
  }

  @Test
  void shouldNotJudgeLossesWithoutAKnownStartingValue() {
    assertThat(
            rule.appliesTo(anonymousRun(), batch("r", 0).loss(90).build(), rule.spec().defaults()))
        .isFalse();
    assertThat(
            rule.appliesTo(
                run(Events.gaussianNll("r")),
                batch("r", 0).loss(90).build(),
                rule.spec().defaults()))
        .isFalse();
    assertThat(
            rule.appliesTo(
                run(
                    Events.started(
                        "r", "dl4j", new LossDescriptor("LossMSE", null, null, 0.0), 10, null)),
                batch("r", 0).loss(90).build(),
                rule.spec().defaults()))
        .isFalse();
  }
}
