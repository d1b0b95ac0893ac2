package io.trainwatch.monitor.rules;

import static io.trainwatch.monitor.rules.RuleTesting.anonymousRun;
import static io.trainwatch.monitor.rules.RuleTesting.judge;
import static io.trainwatch.monitor.rules.RuleTesting.run;
import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.Stats;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

class UnnormalizedInputRuleTest {

  private final UnnormalizedInputRule rule = new UnnormalizedInputRule();

  @Test
  void shouldDiagnosePixelScaleInputs() {
    Finding f =
        judge(rule, anonymousRun(), batch("r", 0).input(Events.pixels()).build()).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(UnnormalizedInputRule.PIXEL_SCALE);
    assertThat(f.value()).isEqualTo(255.0);
    assertThat(f.evidence())
        .containsEntry("input_min", 0.0)
        .containsEntry("input_max", 255.0)
        .containsEntry("input_mean", 73.5)
        .containsEntry("input_std", 88.6)
        .containsEntry("max_abs", 20.0);
  }

  @Test
  void shouldDiagnoseRawScaleFeatures() {
    Stats prices = Stats.of(12, 4800, 903.2, 711.4, 0, 32 * 8);

    assertThat(
            judge(rule, anonymousRun(), batch("r", 0).input(prices).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(UnnormalizedInputRule.RAW_SCALE);
  }

  @Test
  void shouldCatchOneRawColumnAmongNormalizedOnes() {
    // 19 standardized columns and one in the hundreds: the mean stays small but the spread does
    // not.
    Stats mixed = Stats.of(-3.9, 812, 25.1, 109.3, 0, 32 * 20);

    assertThat(judge(rule, anonymousRun(), batch("r", 0).input(mixed).build())).isPresent();
  }

  @Test
  void shouldNotFireOnStandardizedUnitOrSymmetricData() {
    RunState run = anonymousRun();

    assertThat(judge(rule, run, batch("r", 0).input(Events.standardized()).build())).isEmpty();
    assertThat(
            judge(
                rule, run, batch("r", 1).input(Stats.of(-9.8, 10.0, -0.02, 1.01, 0, 4096)).build()))
        .isEmpty();
    assertThat(judge(rule, run, batch("r", 2).input(Events.unitRange()).build())).isEmpty();
    assertThat(judge(rule, run, batch("r", 3).input(Stats.of(-1, 1, 0.0, 0.57, 0, 4096)).build()))
        .isEmpty();
  }

  @Property
  void shouldNeverFireOnStandardizedData(
      @ForAll @DoubleRange(min = -0.5, max = 0.5) double mean,
      @ForAll @DoubleRange(min = 0.3, max = 2.0) double std,
      @ForAll @DoubleRange(min = 0, max = 10) double lowTail,
      @ForAll @DoubleRange(min = 0, max = 10) double highTail) {
    Stats s = Stats.of(Math.min(mean, -lowTail), Math.max(mean, highTail), mean, std, 0, 1000);

    assertThat(judge(rule, anonymousRun(), batch("r", 0).input(s).build())).isEmpty();
  }

  @Property
  void shouldNeverFireOnDataScaledToUnitRange(
      @ForAll @DoubleRange(min = 0, max = 1) double a,
      @ForAll @DoubleRange(min = 0, max = 1) double b,
      @ForAll boolean symmetric) {
    double lo = Math.min(a, b);
    double hi = Math.max(a, b);
    if (symmetric) {
      lo = 2 * lo - 1;
      hi = 2 * hi - 1;
    }
    Stats s = Stats.of(lo, hi, (lo + hi) / 2, (hi - lo) / 3.5, 0, 1000);

    assertThat(judge(rule, anonymousRun(), batch("r", 0).input(s).build())).isEmpty();
  }

  @Test
  void shouldFireJustBeyondEachThreshold() {
    assertThat(
            judge(
                rule, anonymousRun(), batch("r", 0).input(Stats.of(-20, 20, 0, 1, 0, 100)).build()))
        .isEmpty();
    assertThat(
            judge(
                rule,
                anonymousRun(),
                batch("r", 0).input(Stats.of(-1, 20.01, 0, 1, 0, 100)).build()))
        .isPresent();
    assertThat(
            judge(
                rule,
                anonymousRun(),
                batch("r", 0).input(Stats.of(-15, 15, 0, 10, 0, 100)).build()))
        .isEmpty();
    assertThat(
            judge(
                rule,
                anonymousRun(),
                batch("r", 0).input(Stats.of(-15, 15, 0, 10.01, 0, 100)).build()))
        .isPresent();
    assertThat(
            judge(
                rule,
                anonymousRun(),
                batch("r", 0).input(Stats.of(9, 11, 10.01, 0.5, 0, 100)).build()))
        .isPresent();
  }

  @Test
  void shouldCheckAgainstADeclaredRangeWithTolerance() {
    RunState run = run(Events.started("r", "dl4j", null, 10, new InputRange(0, 1)));

    assertThat(judge(rule, run, batch("r", 0).input(Stats.of(0, 1.4, 0.3, 0.3, 0, 100)).build()))
        .isEmpty();
    assertThat(judge(rule, run, batch("r", 1).input(Stats.of(-0.4, 1, 0.3, 0.3, 0, 100)).build()))
        .isEmpty();
    Finding f =
        judge(rule, run, batch("r", 2).input(Stats.of(0, 2.0, 0.6, 0.5, 0, 100)).build())
            .orElseThrow();
    assertThat(f.diagnosis()).isEqualTo(UnnormalizedInputRule.OUTSIDE_DECLARED_RANGE);
    assertThat(f.evidence())
        .containsEntry("input_range_min", 0.0)
        .containsEntry("input_range_max", 1.0);
    assertThat(
            judge(rule, run, batch("r", 3).input(Events.pixels()).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(UnnormalizedInputRule.PIXEL_SCALE);
  }

  @Test
  void shouldAcceptPixelsWhenTheRunDeclaresThem() {
    RunState run = run(Events.started("r", "pytorch", null, 10, new InputRange(0, 255)));

    assertThat(judge(rule, run, batch("r", 0).input(Events.pixels()).build())).isEmpty();
  }

  @Test
  void shouldNeverJudgeTokenIds() {
    RunState lm = run(Events.withTokenIds(Events.started("r", "pytorch", null, null, null)));

    for (int step = 0; step < 50; step++) {
      assertThat(judge(rule, lm, batch("r", step).input(Events.tokenIds()).build())).isEmpty();
    }
  }

  @Test
  void shouldStillCatchPixelsOfARunThatDeclaresFeatures() {
    // The same 0..50,256 ids without the declaration are features at raw scale, and 0..255 pixels
    // (floats, or uint8, which trainers publish as features) are still pixels.
    RunState features = run(Events.started("r", "pytorch", null, 10, null));

    assertThat(
            judge(rule, features, batch("r", 0).input(Events.tokenIds()).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(UnnormalizedInputRule.RAW_SCALE);
    assertThat(
            judge(rule, features, batch("r", 1).input(Events.pixels()).build())
                .orElseThrow()
                .diagnosis())
        .isEqualTo(UnnormalizedInputRule.PIXEL_SCALE);
  }

  @Test
  void shouldNotJudgeNonFiniteOrEmptyInputs() {
    RunState run = anonymousRun();
    Stats nan = Stats.of(Double.NaN, 300, Double.NaN, Double.NaN, 3, 100);

    assertThat(rule.appliesTo(run, batch("r", 0).input(nan).build(), rule.spec().defaults()))
        .isFalse();
    assertThat(
            rule.appliesTo(
                run,
                batch("r", 0).input(Stats.of(0, 0, 0, 0, 0, 0)).build(),
                rule.spec().defaults()))
        .isFalse();
  }
}
