package io.trainwatch.monitor.rules;

import static io.trainwatch.monitor.rules.RuleTesting.judge;
import static io.trainwatch.monitor.rules.RuleTesting.run;
import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.Stats;
import org.junit.jupiter.api.Test;

class NonFiniteLossRuleTest {

  private final NonFiniteLossRule rule = new NonFiniteLossRule();

  @Test
  void shouldDiagnoseDivergenceWhenOutputsBlewUp() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 20; step++) {
      judge(rule, run, batch("r", step).loss(2.0 + step).build());
    }

    Finding f =
        judge(
                rule,
                run,
                batch("r", 20)
                    .loss(Double.NaN)
                    .output(Events.nonfiniteOutputs(10))
                    .gradNorm(Double.POSITIVE_INFINITY)
                    .lr(5.0)
                    .build())
            .orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(NonFiniteLossRule.DIVERGED);
    assertThat(f.evidence())
        .containsEntry("output_nonfinite", 320L)
        .containsEntry("output_count", 320L)
        .containsEntry("grad_norm", Double.POSITIVE_INFINITY)
        .containsEntry("lr", 5.0)
        .containsEntry("recent_loss", 13.5);
    assertThat((Double) f.evidence().get("loss")).isNaN();
  }

  @Test
  void shouldDiagnoseTheLossComputationWhenOutputsAreFinite() {
    Finding f =
        judge(
                rule,
                run(Events.pytorchNll("r")),
                batch("r", 0).loss(Double.POSITIVE_INFINITY).build())
            .orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(NonFiniteLossRule.NONFINITE_IN_LOSS);
    assertThat(f.evidence()).containsEntry("recent_loss", null);
  }

  @Test
  void shouldBlameTheDataWhenInputsAreNonFinite() {
    Stats bad = Stats.of(-2, Double.NaN, Double.NaN, Double.NaN, 7, 640);

    Finding f =
        judge(
                rule,
                run(Events.pytorchNll("r")),
                batch("r", 0)
                    .loss(Double.NaN)
                    .input(bad)
                    .output(Events.nonfiniteOutputs(10))
                    .build())
            .orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(NonFiniteLossRule.NONFINITE_INPUT);
    assertThat(f.evidence()).containsEntry("input_nonfinite", 7L);
  }

  @Test
  void shouldFireOnNonFiniteOutputsEvenWithAFiniteLoss() {
    Stats someInf =
        new Stats(
            -1, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NaN, 2, 320, null, null);

    assertThat(
            judge(
                rule, run(Events.dl4jMcxent("r")), batch("r", 0).loss(1.5).output(someInf).build()))
        .isPresent();
  }

  @Test
  void shouldStayQuietOnFiniteValues() {
    RunState run = run(Events.dl4jMcxent("r"));

    assertThat(judge(rule, run, batch("r", 0).loss(1e30).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 1).loss(-1e30).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 2).loss(0).output(Stats.of(0, 0, 0, 0, 0, 0)).build()))
        .isEmpty();
  }

  @Test
  void shouldFireOnTheFirstBatchByDefault() {
    assertThat(rule.spec().defaults().forBatches()).isEqualTo(1);
  }
}
