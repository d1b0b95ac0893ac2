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

class LossDivergenceRuleTest {

  private final LossDivergenceRule rule = new LossDivergenceRule();

  /** The band alone, as the rule judged before spike triage: no recovery window. */
  private static final RuleSettings BAND_ONLY =
      new LossDivergenceRule().spec().defaults().with("recovery_batches", 0);

  @Test
  void shouldPageAJumpThatHasNotComeBackWithinTheRecoveryWindow() {
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(1);
    for (int step = 0; step < 300; step++) {
      assertThat(
              judge(rule, run, batch("r", step).loss(LossCurves.noisyDecay(step, random)).build()))
          .isEmpty();
    }

    // From step 300 the loss sits far above its best level and never comes back.
    Optional<Finding> f = Optional.empty();
    int step = 300;
    while (f.isEmpty() && step < 400) {
      f = judge(rule, run, batch("r", step++).loss(5.0 + 0.1 * random.nextGaussian()).build());
    }

    assertThat(step - 1).as("fired at the first batch after the 30-batch window").isEqualTo(330);
    Finding finding = f.orElseThrow();
    assertThat(finding.diagnosis()).isEqualTo(LossDivergenceRule.LOSS_SPIKE);
    assertThat(finding.evidence())
        .containsEntry("onset_step", 300L)
        .containsEntry("last_good_step", 299L)
        .containsEntry("batches_since_onset", 30L)
        .containsEntry("recovery_batches", 30L)
        .containsEntry("restart_from_step", 200L)
        .containsEntry("skip_batches_to", 500L)
        .containsKeys("loss", "best_loss", "rise", "threshold", "noise", "peak_loss", "peak_step");
    assertThat((double) finding.evidence().get("peak_loss")).isGreaterThan(4.5);
  }

  @Test
  void shouldPageAJumpThatStaysUpAndNoisyInsteadOfTakingItsNoiseIntoTheBand() {
    // As a real 4-rank DDP job after one update at 300x the learning rate: best about 0.09, then
    // losses between 0.1 and 5 (mean 2) that never come back. The excursion's own noise (about
    // 0.8 batch to batch) must not widen the band it is judged against.
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(5);
    for (int step = 0; step < 300; step++) {
      judge(rule, run, batch("r", step).loss(LossCurves.noisyDecay(step, random)).build());
    }
    double best = run.loss().emaMin();
    Optional<Finding> f = Optional.empty();
    int step = 300;
    while (f.isEmpty() && step < 420) {
      double loss = Math.max(0.05, 2.0 + 0.9 * random.nextGaussian()) + best;
      f = judge(rule, run, batch("r", step++).loss(loss).build());
    }
    assertThat(f).as("paged within the recovery window and a few noisy batches").isPresent();
    assertThat(step - 1).isBetween(330, 345);
    assertThat(f.get().evidence()).containsEntry("onset_step", 300L);
  }

  @Test
  void shouldNotPageASpikeThatComesBackByItself() {
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(3);
    for (int step = 0; step < 300; step++) {
      judge(rule, run, batch("r", step).loss(LossCurves.noisyDecay(step, random)).build());
    }
    double level = run.loss().ema();
    // BLOOM's spike: up at once, then back down over about 25 steps.
    for (int step = 300; step < 600; step++) {
      double loss =
          step < 325
              ? level + 3.0 * (1 - (step - 300) / 25.0)
              : LossCurves.noisyDecay(step, random);
      assertThat(judge(rule, run, batch("r", step).loss(loss).build()))
          .as("step " + step)
          .isEmpty();
    }
    assertThat(run.excursion().active()).isFalse();
    assertThat(run.excursion().lastGoodStep()).isEqualTo(599);
  }

  @Test
  void shouldJudgeTheBandAloneWithoutARecoveryWindow() {
    RunState run = run(Events.dl4jMcxent("r"));
    Random random = new Random(1);
    for (int step = 0; step < 300; step++) {
      judge(
          rule, run, batch("r", step).loss(LossCurves.noisyDecay(step, random)).build(), BAND_ONLY);
    }

    assertThat(judge(rule, run, batch("r", 300).loss(5.0).build(), BAND_ONLY)).isPresent();
  }

  @Test
  void shouldCallASustainedClimbRising() {
    RunState run = run(Events.pytorchNll("r"));
    for (int step = 0; step < 200; step++) {
      judge(rule, run, batch("r", step).loss(2.3 * Math.exp(-step / 30.0) + 0.2).build());
    }
    String last = null;
    for (int step = 200; step < 260; step++) {
      Optional<Finding> f =
          judge(rule, run, batch("r", step).loss(0.2 + (step - 200) * 0.05).build());
      if (f.isPresent()) {
        last = f.get().diagnosis();
      }
    }

    assertThat(last).isEqualTo(LossDivergenceRule.LOSS_RISING);
  }

  @Test
  void shouldWorkForLossesBelowZero() {
    RunState run = run(Events.gaussianNll("r"));
    Random random = new Random(2);
    for (int step = 0; step < 300; step++) {
      double loss = -2.0 - 1.5 * (1 - Math.exp(-step / 50.0)) + 0.1 * random.nextGaussian();
      assertThat(judge(rule, run, batch("r", step).loss(loss).build())).isEmpty();
    }

    assertThat(judge(rule, run, batch("r", 300).loss(1.0).build(), BAND_ONLY)).isPresent();
  }

  @Test
  void shouldTolerateNoisySmallBatchCurvesWithHeavyTails() {
    for (long seed = 0; seed < 20; seed++) {
      RunState run = run(Events.dl4jMcxent("r"));
      Random random = new Random(seed);
      int hits = 0;
      int consecutive = 0;
      for (int step = 0; step < 3000; step++) {
        boolean hit =
            judge(
                    rule,
                    run,
                    batch("r", step).loss(LossCurves.smallBatch(step, random)).build(),
                    BAND_ONLY)
                .isPresent();
        consecutive = hit ? consecutive + 1 : 0;
        hits = Math.max(hits, consecutive);
      }
      assertThat(hits).as("seed %d: longest run of divergent batches", seed).isLessThan(3);
    }
  }

  /**
   * A slowly learning 1000-class run from the benchmark fleet that used to page: its first batch
   * happened to be the lowest loss for dozens of batches, the smoothed level started from it, so
   * that one lucky batch stood as the run's "best" and ordinary noise later looked like a climb
   * above it.
   */
  @Test
  void shouldNotTakeALuckyFirstBatchForTheBestLevel() {
    double[] losses = {
      6.4733824053084446,
      6.5031298399248225,
      6.858734400228483,
      6.7790491646471915,
      6.942756301705264,
      6.564181941253906,
      7.127198563484024,
      7.029872504177386,
      6.837669007065893,
      6.57836687544485,
      6.683565603817473,
      6.700910944294729,
      6.947865525379421,
      6.598590036419224,
      6.647244307753084,
      6.737376561742627,
      6.5578759412206304,
      6.5857479455923835,
      6.6273714642562895,
      6.680616096260899,
      6.4296350174600265,
      6.730787395044089,
      6.829745556484474,
      6.639664502989643,
      6.715648697668691,
      6.783584431967593,
      6.991239219684649,
      6.970082222558039,
      6.7934998060941245
    };
    RunState run = run(Events.dl4jMcxent("r"));
    int consecutive = 0;
    int longest = 0;
    for (int step = 0; step < losses.length; step++) {
      boolean hit =
          judge(rule, run, batch("r", step).loss(losses[step]).build(), BAND_ONLY).isPresent();
      consecutive = hit ? consecutive + 1 : 0;
      longest = Math.max(longest, consecutive);
    }

    assertThat(longest).as("longest run of divergent batches").isLessThan(3);
    assertThat(run.loss().emaMin())
        .as("best level: a mean of settled losses, not the first one")
        .isGreaterThan(6.6);
  }

  @Test
  void shouldNotJudgeBeforeTheWarmUp() {
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

  @Test
  void shouldNotFireOnRoundingOfAFlatLoss() {
    RunState run = run(Events.dl4jMcxent("r"));
    for (int step = 0; step < 100; step++) {
      judge(rule, run, batch("r", step).loss(2.302585).build());
    }

    assertThat(judge(rule, run, batch("r", 100).loss(2.302590).build(), BAND_ONLY)).isEmpty();
    assertThat(judge(rule, run, batch("r", 101).loss(2.5).build(), BAND_ONLY)).isPresent();
  }
}
