package io.trainwatch.monitor.rules;

import static io.trainwatch.monitor.rules.RuleTesting.judge;
import static io.trainwatch.monitor.rules.RuleTesting.run;
import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Stats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputCollapseRuleTest {

  private final OutputCollapseRule rule = new OutputCollapseRule();

  @Test
  void shouldCatchPredictionsCollapsingToOneClass() {
    RunState run = diverse();

    Finding f =
        judge(rule, run, batch("r", 20).predictions(new Predictions(1.0, 0.0)).build())
            .orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(OutputCollapseRule.SINGLE_CLASS);
    assertThat(f.evidence())
        .containsEntry("top_class_fraction", 1.0)
        .containsEntry("rows", 32L)
        .containsEntry("max_prior_entropy", (double) 0.93f);
  }

  @Test
  void shouldCallConstantOutputsDead() {
    RunState run = diverse();
    Stats constant = new Stats(0.1, 0.1, 0.1, 0.0, 0, 320, 1.0, 0.0);

    assertThat(
            judge(
                    rule,
                    run,
                    batch("r", 20).predictions(new Predictions(1.0, 0.0)).output(constant).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(OutputCollapseRule.DEAD_OUTPUTS);
  }

  @Test
  void shouldNotJudgeANetworkThatNeverSpreadItsPredictions() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 100; step++) {
      // A fresh network often favours one class for a while: not a collapse.
      assertThat(judge(rule, run, batch("r", step).predictions(new Predictions(0.97, 0.1)).build()))
          .isEmpty();
    }
  }

  @Test
  void shouldJudgeAtTheBoundaryAndSkipTinyBatches() {
    RunState run = diverse();

    assertThat(judge(rule, run, batch("r", 20).predictions(new Predictions(0.94, 0.2)).build()))
        .isEmpty();
    assertThat(judge(rule, run, batch("r", 21).predictions(new Predictions(0.95, 0.2)).build()))
        .isPresent();
    assertThat(
            rule.appliesTo(
                run,
                batch("r", 22).batchSize(8).predictions(new Predictions(1.0, 0)).build(),
                rule.spec().defaults()))
        .isFalse();
  }

  @Test
  void shouldCountRowsFromTheOutputsWhenTheBatchSizeIsMissing() {
    RunState run = diverse();

    assertThat(
            judge(
                    rule,
                    run,
                    batch("r", 20).batchSize(null).predictions(new Predictions(1.0, 0.0)).build())
                .orElseThrow()
                .evidence())
        .containsEntry("rows", 32L);
  }

  @Test
  void shouldFireOnTheThirdCollapsedBatchByDefault() {
    RunState run = diverse();
    RunEvaluator evaluator = RunEvaluator.standard();
    RunSettings settings = RunSettings.defaults();

    List<Long> firedAt = new ArrayList<>();
    for (int step = 20; step < 26; step++) {
      evaluator
          .onBatch(
              run, batch("r", step).predictions(new Predictions(1.0, 0.0)).build(), settings, step)
          .stream()
          .filter(e -> e.rule() == RuleId.OUTPUT_COLLAPSE && e.firing())
          .forEach(e -> firedAt.add(e.step()));
    }

    assertThat(firedAt).containsExactly(22L);
  }

  @Test
  void shouldNotJudgeWithoutPredictions() {
    assertThat(
            rule.appliesTo(
                diverse(), batch("r", 20).predictions(null).build(), rule.spec().defaults()))
        .isFalse();
  }

  private static RunState diverse() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 20; step++) {
      run.observe(batch("r", step).predictions(new Predictions(0.2, 0.93)).build(), step);
    }
    return run;
  }
}
