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

class LossPlateauRuleTest {

  private final LossPlateauRule rule = new LossPlateauRule();

  @Test
  void shouldFlagANetworkThatLearnsNothing() {
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(3);
    Integer firstHit = null;
    Finding f = null;
    for (int step = 0; step < 400; step++) {
      Optional<Finding> r =
          judge(rule, run, batch("r", step).loss(2.30 + 0.05 * random.nextGaussian()).build());
      if (r.isPresent() && firstHit == null) {
        firstHit = step;
        f = r.get();
      }
    }

    // warm-up 50 + window 200, and 10 complete blocks (two on each side of the window).
    assertThat(firstHit).isEqualTo(250);
    assertThat(f.diagnosis()).isEqualTo(LossPlateauRule.NOT_LEARNING);
    assertThat(f.evidence())
        .containsEntry("window", 200L)
        .containsEntry("lower_bound", 0.0)
        .containsKeys("loss", "loss_window_ago", "initial_loss", "progress", "improvement");
  }

  @Test
  void shouldFlagARunStalledFarFromItsBound() {
    RunState run = run(Events.pytorchNll("r"));
    boolean fired = false;
    String diagnosis = null;
    for (int step = 0; step < 500; step++) {
      double loss = step < 30 ? 2.3 - step * 0.01 : 2.0;
      Optional<Finding> r = judge(rule, run, batch("r", step).loss(loss).build());
      if (r.isPresent()) {
        fired = true;
        diagnosis = r.get().diagnosis();
      }
    }

    assertThat(fired).isTrue();
    assertThat(diagnosis).isEqualTo(LossPlateauRule.STALLED);
  }

  @Test
  void shouldNeverFireOnAConvergedRunHoweverFlat() {
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(4);
    for (int step = 0; step < 5000; step++) {
      double loss =
          Math.max(1e-4, 2.3 * Math.exp(-step / 60.0) + 0.02 + 0.01 * random.nextGaussian());
      assertThat(judge(rule, run, batch("r", step).loss(loss).build()))
          .as("step %d", step)
          .isEmpty();
    }
  }

  @Test
  void shouldNeverFireOnNoisySmallBatchRuns() {
    for (long seed = 0; seed < 10; seed++) {
      RunState run = run(Events.dl4jMcxent("r"));
      Random random = new Random(seed);
      for (int step = 0; step < 3000; step++) {
        assertThat(
                judge(
                    rule, run, batch("r", step).loss(LossCurves.smallBatch(step, random)).build()))
            .as("seed %d step %d", seed, step)
            .isEmpty();
      }
    }
  }

  @Test
  void shouldNotFireOnASlowButSteadyImprovement() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 1000; step++) {
      double loss = 2.3 - step * 0.0005; // 0.1 per 200 batches: 4% of the range per window
      assertThat(judge(rule, run, batch("r", step).loss(loss).build())).isEmpty();
    }
  }

  @Test
  void shouldHonourALongerWindow() {
    RunState run = run(Events.dl4jMcxent("r"));
    RuleSettings longWindow = rule.spec().defaults().with("window", 500);
    Integer firstHit = null;
    for (int step = 0; step < 700; step++) {
      if (judge(rule, run, batch("r", step).loss(2.3).build(), longWindow).isPresent()
          && firstHit == null) {
        firstHit = step;
      }
    }

    assertThat(firstHit).isEqualTo(550);
  }

  @Test
  void shouldNotJudgeALossUnboundedBelow() {
    RunState run = run(Events.gaussianNll("r"));
    for (int step = 0; step < 400; step++) {
      assertThat(judge(rule, run, batch("r", step).loss(-1.0).build())).isEmpty();
    }
  }
}
