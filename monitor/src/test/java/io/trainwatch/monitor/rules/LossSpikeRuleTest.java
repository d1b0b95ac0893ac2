package io.trainwatch.monitor.rules;

import static io.trainwatch.monitor.rules.RuleTesting.judge;
import static io.trainwatch.monitor.rules.RuleTesting.run;
import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.simulator.LossCurves;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LossSpikeRuleTest {

  private final LossSpikeRule rule = new LossSpikeRule();

  @Test
  void shouldSeeAJumpOutOfTheBandAtOnceAndNameItsOnsetAndLastGoodStep() {
    RunState run = converged(1);

    Optional<Finding> first = judge(rule, run, batch("r", 300).loss(4.0).build());
    Optional<Finding> second = judge(rule, run, batch("r", 301).loss(4.5).build());

    assertThat(first.orElseThrow().diagnosis()).isEqualTo(LossSpikeRule.SUDDEN_SPIKE);
    assertThat(second.orElseThrow().evidence())
        .containsEntry("onset_step", 300L)
        .containsEntry("last_good_step", 299L)
        .containsEntry("peak_loss", 4.5);
  }

  @Test
  void shouldCallALossThatCreptToTheBandsEdgeAGradualRise() {
    RunState run = converged(2);
    double level = run.loss().ema();
    Optional<Finding> f = Optional.empty();
    int step = 300;
    while (f.isEmpty() && step < 500) {
      f = judge(rule, run, batch("r", step).loss(level + 0.01 * (step - 299)).build());
      step++;
    }

    assertThat(f.orElseThrow().diagnosis()).isEqualTo(LossSpikeRule.GRADUAL_RISE);
  }

  @Test
  void shouldStayClearOnNoisySmallBatchCurvesWithHeavyTails() {
    for (long seed = 0; seed < 20; seed++) {
      RunState run = run(Events.dl4jMcxent("r"));
      Random random = new Random(seed);
      int consecutive = 0;
      int longest = 0;
      for (int step = 0; step < 3000; step++) {
        boolean hit =
            judge(rule, run, batch("r", step).loss(LossCurves.smallBatch(step, random)).build())
                .isPresent();
        consecutive = hit ? consecutive + 1 : 0;
        longest = Math.max(longest, consecutive);
      }
      // for_batches is 3: two out-of-line batches in a row never fire.
      assertThat(longest).as("seed %d: longest run of out-of-line batches", seed).isLessThan(3);
    }
  }

  @Test
  void shouldNotJudgeBeforeTheBandIsKnown() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 19; step++) {
      judge(rule, run, batch("r", step).loss(2.0).build());
    }

    assertThat(rule.appliesTo(run, batch("r", 19).loss(50).build(), rule.spec().defaults()))
        .isFalse();
    judge(rule, run, batch("r", 19).loss(2.0).build());
    assertThat(rule.appliesTo(run, batch("r", 20).loss(50).build(), rule.spec().defaults()))
        .isTrue();
  }

  private RunState converged(long seed) {
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(seed);
    for (int step = 0; step < 300; step++) {
      assertThat(
              judge(rule, run, batch("r", step).loss(LossCurves.noisyDecay(step, random)).build()))
          .isEmpty();
    }
    return run;
  }
}
