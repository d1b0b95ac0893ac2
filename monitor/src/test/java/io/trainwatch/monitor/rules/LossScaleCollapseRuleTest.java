package io.trainwatch.monitor.rules;

import static io.trainwatch.monitor.rules.RuleTesting.judge;
import static io.trainwatch.monitor.rules.RuleTesting.run;
import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.BatchEvent;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LossScaleCollapseRuleTest {

  private final LossScaleCollapseRule rule = new LossScaleCollapseRule();

  @Test
  void shouldFireOnTheFifthSkipInARowAfterTheScaleHadFoundItsLevel() {
    RunState run = run(Events.pytorchNll("r"));
    double scale = 8192;
    for (int step = 0; step < 50; step++) {
      assertThat(judge(rule, run, step(step, scale, false))).isEmpty();
    }
    for (int step = 50; step < 54; step++) {
      assertThat(judge(rule, run, step(step, scale, true))).as("step " + step).isEmpty();
      scale /= 2;
    }

    Finding f = judge(rule, run, step(54, scale, true)).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(LossScaleCollapseRule.NONFINITE_GRADIENTS);
    assertThat(f.evidence())
        .containsEntry("consecutive_skips", 5)
        .containsEntry("first_skipped_step", 50L)
        .containsEntry("scale_before", 8192.0)
        .containsEntry("loss_scale", 512.0)
        .containsEntry("max_loss_scale", 8192.0)
        .containsEntry("skipped_steps", 5L)
        .containsEntry("applied_steps", 50L);
  }

  @Test
  void shouldLetTheScalerCalibrateFromAHighInitialScale() {
    RunState run = run(Events.pytorchNll("r"));
    double scale = Math.pow(2, 32);
    // Megatron's 2^32 down to 2^12 where the gradients fit: 20 skips in a row from the start.
    for (int step = 0; step < 20; step++) {
      assertThat(judge(rule, run, step(step, scale, true))).as("step " + step).isEmpty();
      scale /= 2;
    }
    for (int step = 20; step < 100; step++) {
      assertThat(judge(rule, run, step(step, scale, step % 30 == 0))).isEmpty();
    }
  }

  @Test
  void shouldFireWhenNoScaleIsSmallEnoughFromTheStart() {
    RunState run = run(Events.pytorchNll("r"));
    double scale = 65536;
    Optional<Finding> f = Optional.empty();
    int step = 0;
    while (f.isEmpty() && step < 100) {
      f = judge(rule, run, step(step++, scale, true));
      scale /= 2;
    }

    // GradScaler's 2^16 reaches min_scale 1 at the 17th skip, before the 32 allowed at start.
    assertThat(step - 1).isEqualTo(16);
    assertThat(f.orElseThrow().evidence()).containsEntry("loss_scale", 1.0);
  }

  @Test
  void shouldNotFireOnIsolatedSkipsOrAStaticScaleAtItsFloor() {
    RunState run = run(Events.pytorchNll("r"));
    for (int step = 0; step < 200; step++) {
      assertThat(judge(rule, run, step(step, 1.0, step % 7 == 0))).isEmpty();
    }
  }

  @Test
  void shouldJudgeOnlyBatchesThatReportAScaler() {
    RunState run = run(Events.pytorchNll("r"));

    assertThat(
            rule.appliesTo(run, batch("r", 0).gradNorm(Double.NaN).build(), rule.spec().defaults()))
        .isFalse();
    assertThat(rule.judgesSkippedSteps()).isTrue();
  }

  private static BatchEvent step(long step, double scale, boolean skipped) {
    return batch("r", step)
        .loss(1.5)
        .gradNorm(skipped ? Double.POSITIVE_INFINITY : 1.0)
        .lossScale(scale, skipped)
        .build();
  }
}
