package io.trainwatch.monitor.rules;

import static io.trainwatch.monitor.rules.RuleTesting.judge;
import static io.trainwatch.monitor.rules.RuleTesting.run;
import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GradientRulesTest {

  private final ExplodingGradientRule exploding = new ExplodingGradientRule();
  private final VanishingGradientRule vanishing = new VanishingGradientRule();

  @Test
  void shouldCatchAGradientSpikeAgainstItsBaseline() {
    RunState run = warm(Events.dl4jMcxent("r"), 50, 1.0);

    Finding f = judge(exploding, run, batch("r", 50).gradNorm(450.0).lr(0.5).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(ExplodingGradientRule.GRADIENT_SPIKE);
    assertThat((Double) f.evidence().get("ratio")).isBetween(300.0, 600.0);
    assertThat(f.evidence()).containsEntry("lr", 0.5).containsKey("baseline_grad_norm");
  }

  @Test
  void shouldKeepTheBaselineWhileSpiking() {
    RunState run = warm(Events.dl4jMcxent("r"), 50, 1.0);

    for (int step = 50; step < 60; step++) {
      assertThat(judge(exploding, run, batch("r", step).gradNorm(500.0).build())).isPresent();
    }
  }

  @Test
  void shouldCatchNonFiniteGradientsAndAnAbsoluteLimit() {
    RunState run = warm(Events.pytorchNll("r"), 20, 1.0);

    assertThat(
            judge(exploding, run, batch("r", 20).gradNorm(Double.POSITIVE_INFINITY).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(ExplodingGradientRule.NONFINITE_GRADIENT);
    RuleSettings capped = exploding.spec().defaults().with("max_norm", 10);
    assertThat(judge(exploding, run, batch("r", 21).gradNorm(9.0).build(), capped)).isEmpty();
    assertThat(judge(exploding, run, batch("r", 22).gradNorm(11.0).build(), capped)).isPresent();
  }

  @Test
  void shouldTolerateLognormalNoiseAndSlowGrowth() {
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(5);
    for (int step = 0; step < 5000; step++) {
      double g = (1 + step / 1000.0) * Math.exp(0.8 * random.nextGaussian());
      assertThat(judge(exploding, run, batch("r", step).gradNorm(g).build()))
          .as("step %d", step)
          .isEmpty();
    }
  }

  @Test
  void shouldNotCallANormalGradientAfterConvergenceAnExplosion() {
    RunState run = warm(Events.dl4jMcxent("r"), 10, 1.0);
    for (int step = 10; step < 2000; step++) {
      run.observe(
          batch("r", step).loss(1e-5).gradNorm(1e-4).build(), step); // converged: gradients tiny
    }

    // Three hard batches in a row with gradients of the size the run started with.
    for (int step = 2000; step < 2003; step++) {
      assertThat(judge(exploding, run, batch("r", step).gradNorm(0.8).build())).isEmpty();
    }
    assertThat(judge(exploding, run, batch("r", 2003).gradNorm(150.0).build())).isPresent();
  }

  @Test
  void shouldNotJudgeWithoutGradientNorms() {
    RunState run = warm(Events.dl4jMcxent("r"), 50, 1.0);

    assertThat(
            exploding.appliesTo(
                run, batch("r", 50).gradNorm(null).build(), exploding.spec().defaults()))
        .isFalse();
    assertThat(
            vanishing.appliesTo(
                run, batch("r", 50).gradNorm(null).build(), vanishing.spec().defaults()))
        .isFalse();
  }

  @Test
  void shouldCatchGradientsThatVanishWhileTheLossIsHigh() {
    RunState run = warm(Events.dl4jMcxent("r"), 30, 2.0);

    Finding f =
        judge(vanishing, run, batch("r", 30).loss(2.29).gradNorm(1e-6).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(VanishingGradientRule.GRADIENT_VANISHED);
    assertThat(f.evidence()).containsEntry("grad_norm", 1e-6).containsEntry("early_grad_norm", 2.0);
    assertThat((Double) f.evidence().get("progress")).isLessThan(0.1);
  }

  @Test
  void shouldAcceptTinyGradientsOfAConvergedRun() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 2000; step++) {
      double loss = 2.3 * Math.exp(-step / 50.0) + 1e-5;
      double g =
          2.0 * Math.exp(-step / 50.0) + 1e-9; // gradients vanish as the loss reaches 0: healthy
      assertThat(judge(vanishing, run, batch("r", step).loss(loss).gradNorm(g).build()))
          .as("step %d", step)
          .isEmpty();
    }
  }

  @Test
  void shouldJudgeAtTheBoundary() {
    RunState run = warm(Events.dl4jMcxent("r"), 30, 1.0); // early level 1: limit 1e-4

    assertThat(judge(vanishing, run, batch("r", 30).loss(2.3).gradNorm(1.01e-4).build())).isEmpty();
    assertThat(judge(vanishing, run, batch("r", 31).loss(2.3).gradNorm(0.99e-4).build()))
        .isPresent();
  }

  @Test
  void shouldCatchAFirstLayerWhoseGradientVanishesFromTheVeryFirstBatch() {
    RunState run = run(Events.dl4jMcxent("r"));

    // The corpus's vanishing-gradient run at step 0: six sigmoid layers, weights N(0, 0.01^2).
    Finding f =
        judge(
                vanishing,
                run,
                batch("r", 0).loss(2.30).gradNorm(1.18).firstLayerGradNorm(2.77e-10).build())
            .orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(VanishingGradientRule.FIRST_LAYER_GRADIENT_VANISHED);
    assertThat(f.evidence())
        .containsEntry("first_layer_grad_norm", 2.77e-10)
        .containsEntry("grad_norm", 1.18)
        .containsEntry("min_first_layer_ratio", 1e-5);
    assertThat((Double) f.evidence().get("first_layer_ratio")).isCloseTo(2.35e-10, within(1e-12));
  }

  @Test
  void shouldJudgeTheFirstLayerRatioAtTheBoundary() {
    RunState run = run(Events.dl4jMcxent("r"));

    assertThat(
            judge(
                vanishing,
                run,
                batch("r", 0).loss(2.3).gradNorm(2.0).firstLayerGradNorm(2.02e-5).build()))
        .isEmpty();
    assertThat(
            judge(
                vanishing,
                run,
                batch("r", 1).loss(2.3).gradNorm(2.0).firstLayerGradNorm(1.98e-5).build()))
        .isPresent();
  }

  @Test
  void shouldCallAFirstLayerThatGetsNoGradientAtAllVanished() {
    RunState run = run(Events.dl4jMcxent("r"));

    // Dead first-layer ReLUs after a blow-up: exactly zero, while the layers after them still get a
    // gradient.
    Finding f =
        judge(
                vanishing,
                run,
                batch("r", 0).loss(14.0).gradNorm(15.4).firstLayerGradNorm(0.0).build())
            .orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(VanishingGradientRule.FIRST_LAYER_GRADIENT_VANISHED);
    assertThat(f.evidence()).containsEntry("first_layer_ratio", 0.0);
  }

  @Test
  void shouldStayQuietOnTheFirstLayerRatiosOfHealthyAndOtherwiseFaultyRuns() {
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(5);
    for (int step = 0; step < 500; step++) {
      double g = Math.exp(random.nextGaussian());
      // Measured per batch: 0.155 to 0.83 on the healthy corpus runs, down to 3.3e-4 on the
      // bad-init-loss fault.
      double ratio = step % 50 == 0 ? 3.3e-4 : 0.155 + 0.675 * random.nextDouble();
      assertThat(
              judge(
                  vanishing,
                  run,
                  batch("r", step).loss(2.3).gradNorm(g).firstLayerGradNorm(ratio * g).build()))
          .as("step %d", step)
          .isEmpty();
    }
  }

  @Test
  void shouldLeaveNonFiniteOrZeroGradientsToTheOtherRulesBeforeTheWarmUp() {
    RunState run = run(Events.dl4jMcxent("r"));
    RuleSettings defaults = vanishing.spec().defaults();

    assertThat(
            vanishing.appliesTo(
                run, batch("r", 0).gradNorm(1.0).firstLayerGradNorm(Double.NaN).build(), defaults))
        .isFalse();
    assertThat(
            vanishing.appliesTo(
                run,
                batch("r", 0).gradNorm(Double.POSITIVE_INFINITY).firstLayerGradNorm(0.0).build(),
                defaults))
        .isFalse();
    assertThat(
            vanishing.appliesTo(
                run, batch("r", 0).gradNorm(0.0).firstLayerGradNorm(0.0).build(), defaults))
        .isFalse();
    assertThat(vanishing.appliesTo(run, batch("r", 0).gradNorm(1.0).build(), defaults)).isFalse();
    assertThat(
            vanishing.appliesTo(
                run, batch("r", 0).gradNorm(1.0).firstLayerGradNorm(0.5).build(), defaults))
        .isTrue();
  }

  @Test
  void shouldAcceptAStarvedFirstLayerOnceTheLossHasConverged() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 200; step++) {
      run.observe(
          batch("r", step)
              .loss(2.3 * Math.exp(-step / 20.0) + 1e-4)
              .gradNorm(1.0)
              .firstLayerGradNorm(0.5)
              .build(),
          step);
    }

    assertThat(
            judge(
                vanishing,
                run,
                batch("r", 200).loss(1e-4).gradNorm(1e-3).firstLayerGradNorm(1e-12).build()))
        .isEmpty();
  }

  @Test
  void shouldTurnTheFirstLayerConditionOffWithARatioOfZero() {
    RunState run = run(Events.dl4jMcxent("r"));
    RuleSettings off = vanishing.spec().defaults().with("min_first_layer_ratio", 0);

    assertThat(
            judge(
                vanishing,
                run,
                batch("r", 0).loss(2.3).gradNorm(1.0).firstLayerGradNorm(0.0).build(),
                off))
        .isEmpty();
  }

  @Test
  void shouldStillJudgeTheWholeGradientWhenTheFirstLayerIsFine() {
    RunState run = warm(Events.dl4jMcxent("r"), 30, 1.0);

    Finding f =
        judge(
                vanishing,
                run,
                batch("r", 30).loss(2.3).gradNorm(1e-6).firstLayerGradNorm(5e-7).build())
            .orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(VanishingGradientRule.GRADIENT_VANISHED);
  }

  /** A run with a flat 2.3 loss and constant gradient norms. */
  private static RunState warm(
      io.trainwatch.schemas.RunStarted started, int batches, double gradNorm) {
    RunState run = run(started);
    for (int step = 0; step < batches; step++) {
      run.observe(batch("r", step).loss(2.3).gradNorm(gradNorm).build(), step);
    }
    return run;
  }
}
