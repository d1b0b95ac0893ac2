package io.trainwatch.monitor.alerting;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.rules.LossScaleCollapseRule;
import io.trainwatch.monitor.rules.NegativeLossRule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.RunStarted;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunEvaluatorTest {

  private final RunEvaluator evaluator = RunEvaluator.standard();
  private final RunSettings settings = RunSettings.defaults();

  @Test
  void shouldGiveExactlyOneFiringAndOneResolvedForAFaultLaterFixed() {
    RunState run = started(Events.pytorchNll("r"));
    List<Emission> out = new ArrayList<>();

    for (int step = 0; step < 300; step++) {
      boolean faulty = step >= 100 && step < 150;
      double loss = faulty ? -0.1 - step * 1e-4 : 2.3 * Math.exp(-step / 80.0) + 0.05;
      out.addAll(evaluator.onBatch(run, batch("r", step).loss(loss).build(), settings, step));
    }

    assertThat(out).extracting(Emission::rule).containsOnly(RuleId.NEGATIVE_LOSS);
    assertThat(out)
        .extracting(Emission::status)
        .containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
    assertThat(out.get(0).step()).isEqualTo(102L);
    assertThat(out.get(0).startsAtMs()).isEqualTo(Events.ts(100));
    assertThat(out.get(1).step()).isEqualTo(169L);
  }

  @Test
  void shouldSilenceNegativeLossWhileTheLossIsNonFinite() {
    RunState run = started(Events.pytorchNll("r"));
    List<Emission> out = new ArrayList<>();

    out.addAll(evaluator.onBatch(run, batch("r", 0).loss(Double.NaN).build(), settings, 0));
    for (int step = 1; step < 10; step++) {
      // Non-finite outputs keep the non-finite alert firing; the (meaningless) negative loss is not
      // reported.
      out.addAll(
          evaluator.onBatch(
              run,
              batch("r", step).loss(-0.5).output(Events.nonfiniteOutputs(10)).build(),
              settings,
              step));
    }

    assertThat(out)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.rule()).isEqualTo(RuleId.NONFINITE_LOSS);
              assertThat(e.status()).isEqualTo(AlertStatus.FIRING);
              assertThat(e.step()).isZero();
            });
    assertThat(run.track(RuleId.NEGATIVE_LOSS.code()).hits()).isZero();
  }

  @Test
  void shouldResolveEveryOpenAlertWhenTheRunEnds() {
    RunState run = started(Events.pytorchNll("r"));
    List<Emission> out = new ArrayList<>();
    for (int step = 0; step < 5; step++) {
      out.addAll(
          evaluator.onBatch(
              run, batch("r", step).loss(-0.1).input(Events.pixels()).build(), settings, step));
    }
    assertThat(out)
        .extracting(Emission::rule)
        .containsExactly(RuleId.NEGATIVE_LOSS, RuleId.UNNORMALIZED_INPUT);

    List<Emission> closing = evaluator.onRunEnded(run, Events.ended("r", 5), 99);

    assertThat(closing)
        .extracting(Emission::rule)
        .containsExactly(RuleId.NEGATIVE_LOSS, RuleId.UNNORMALIZED_INPUT);
    assertThat(closing)
        .allSatisfy(
            e -> {
              assertThat(e.status()).isEqualTo(AlertStatus.RESOLVED);
              assertThat(e.revision()).isEqualTo(2);
              assertThat(e.atMs()).isEqualTo(Events.ended("r", 5).tsMs());
              assertThat(e.evidence()).containsEntry("run_status", "completed");
            });
    assertThat(run.ended()).isTrue();
    assertThat(run.anyFiring()).isFalse();
  }

  @Test
  void shouldSkipDisabledRules() {
    RunState run = started(Events.pytorchNll("r"));
    RunSettings off = settings.with(settings.get(RuleId.NEGATIVE_LOSS).with("enabled", 0));
    List<Emission> out = new ArrayList<>();

    for (int step = 0; step < 10; step++) {
      out.addAll(evaluator.onBatch(run, batch("r", step).loss(-0.1).build(), off, step));
    }

    // With negative_loss off, the loss at initialization (-0.1, about -1/C) still gives the fault
    // away.
    assertThat(out)
        .extracting(Emission::rule, Emission::diagnosis)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(RuleId.LOSS_AT_INIT, "softmax_into_nll"));
  }

  @Test
  void shouldLetNegativeLossSilenceTheSameFaultSeenAtInitialization() {
    RunState run = started(Events.pytorchNll("r"));
    List<Emission> out = new ArrayList<>();

    for (int step = 0; step < 10; step++) {
      out.addAll(evaluator.onBatch(run, batch("r", step).loss(-0.1).build(), settings, step));
    }

    assertThat(out).extracting(Emission::rule).containsExactly(RuleId.NEGATIVE_LOSS);
  }

  @Test
  void shouldStayQuietOnAHealthyRun() {
    RunState run = started(Events.dl4jMcxent("r"));
    List<Emission> out = new ArrayList<>();
    java.util.Random random = new java.util.Random(7);

    for (int step = 0; step < 2000; step++) {
      double loss =
          Math.max(0.01, 2.3 * Math.exp(-step / 300.0) + 0.1 + 0.15 * random.nextGaussian());
      out.addAll(evaluator.onBatch(run, batch("r", step).loss(loss).build(), settings, step));
    }

    assertThat(out).isEmpty();
  }

  @Test
  void shouldKeepTheDiagnosisOfTheFiringBatch() {
    RunState run = started(Events.pytorchNll("r"));
    List<Emission> out = new ArrayList<>();
    for (int step = 0; step < 3; step++) {
      out.addAll(evaluator.onBatch(run, batch("r", step).loss(-0.1).build(), settings, step));
    }
    for (int step = 3; step < 23; step++) {
      out.addAll(evaluator.onBatch(run, batch("r", step).loss(0.5).build(), settings, step));
    }

    assertThat(out)
        .extracting(Emission::diagnosis)
        .containsExactly(NegativeLossRule.SOFTMAX_INTO_NLL, NegativeLossRule.SOFTMAX_INTO_NLL);
  }

  /**
   * DeepSpeed#931 and PyTorch's GradScaler at start: the scaler calibrates down from 2^16 and skips
   * 6 of the first 10 steps (non-finite gradients, sometimes an infinite loss), then skips an
   * isolated step each time it grows the scale again. Nothing of it may alert.
   */
  @Test
  void shouldNeverAlertOnTheStepsALossScalerSkipsByDesign() {
    RunState run = started(Events.pytorchNll("r"));
    List<Emission> out = new ArrayList<>();
    double scale = 65536;
    for (int step = 0; step < 2000; step++) {
      boolean skip = (step < 10 && step % 5 != 4) || (step > 10 && step % 250 == 0);
      double loss = 2.3 * Math.exp(-step / 300.0) + 0.1;
      BatchEvent b =
          batch("r", step)
              .loss(skip && step < 10 && step % 2 == 0 ? Double.POSITIVE_INFINITY : loss)
              .output(
                  skip && step < 10 && step % 2 == 0
                      ? Events.nonfiniteOutputs(10)
                      : Events.softmax(10))
              .gradNorm(skip ? Double.NaN : 1.0)
              .lossScale(scale, skip)
              .build();
      out.addAll(evaluator.onBatch(run, b, settings, step));
      scale = skip ? scale / 2 : (step % 250 == 249 ? scale * 2 : scale);
    }

    assertThat(out).isEmpty();
    assertThat(run.scaler().skipped()).isEqualTo(8 + 7);
  }

  @Test
  void shouldUnderstandASkipFromATrainerThatSendsOnlyTheScale() {
    RunState run = started(Events.pytorchNll("r"));
    List<Emission> out = new ArrayList<>();
    for (int step = 0; step < 100; step++) {
      boolean skip = step % 10 == 3;
      out.addAll(
          evaluator.onBatch(
              run,
              batch("r", step)
                  .loss(1.0)
                  .gradNorm(skip ? Double.POSITIVE_INFINITY : 1.0)
                  .lossScale(1024.0, null)
                  .build(),
              settings,
              step));
    }

    assertThat(out).isEmpty();
    assertThat(run.scaler().skipped()).isEqualTo(10);
  }

  @Test
  void shouldPageOnceWhenTheScalerSkipsEveryStepAndResolveWhenStepsApplyAgain() {
    RunState run = started(Events.pytorchNll("r"));
    List<Emission> out = new ArrayList<>();
    double scale = 4096;
    for (int step = 0; step < 200; step++) {
      boolean skip = step >= 100 && step < 150;
      out.addAll(
          evaluator.onBatch(
              run,
              batch("r", step)
                  .loss(2.3 * Math.exp(-step / 50.0) + 0.1)
                  .gradNorm(skip ? Double.POSITIVE_INFINITY : 1.0)
                  .lossScale(scale, skip)
                  .build(),
              settings,
              step));
      scale = skip ? scale / 2 : scale;
    }

    assertThat(out).extracting(Emission::rule).containsOnly(RuleId.LOSS_SCALE_COLLAPSE);
    assertThat(out)
        .extracting(Emission::status)
        .containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
    assertThat(out.get(0).step()).isEqualTo(104L);
    assertThat(out.get(0).diagnosis()).isEqualTo(LossScaleCollapseRule.NONFINITE_GRADIENTS);
    assertThat(out.get(0).evidence())
        .containsEntry("first_skipped_step", 100L)
        .containsEntry("consecutive_skips", 5)
        .containsEntry("scale_before", 4096.0)
        .containsEntry("loss_scale", 256.0);
    assertThat(out.get(1).step()).isEqualTo(169L);
  }

  @Test
  void shouldWarnOnceAboutASpikeThatRecoversAndNeverPage() {
    RunState run = started(Events.dl4jMcxent("r"));
    List<Emission> out = new ArrayList<>();
    for (int step = 0; step < 400; step++) {
      double base = 2.3 * Math.exp(-step / 50.0) + 0.1 + 0.01 * (step % 3);
      // BLOOM: 2.2 -> 5.1 within 5 steps, back within about 30
      double loss =
          step >= 200 && step < 230 ? base + 3.0 * Math.min(1, (230 - step) / 25.0) : base;
      out.addAll(evaluator.onBatch(run, batch("r", step).loss(loss).build(), settings, step));
    }

    assertThat(out).extracting(Emission::rule).containsOnly(RuleId.LOSS_SPIKE);
    assertThat(out)
        .extracting(Emission::status)
        .containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
    assertThat(out.get(0).step()).isEqualTo(202L);
    assertThat(out.get(0).evidence()).containsEntry("onset_step", 200L);
  }

  @Test
  void shouldEscalateASpikeThatDoesNotRecoverToOnePage() {
    RunState run = started(Events.dl4jMcxent("r"));
    List<Emission> out = new ArrayList<>();
    for (int step = 0; step < 245; step++) {
      double base = 2.3 * Math.exp(-step / 50.0) + 0.1 + 0.01 * (step % 3);
      double loss = step >= 200 ? 3.0 + 0.01 * (step % 3) : base;
      out.addAll(evaluator.onBatch(run, batch("r", step).loss(loss).build(), settings, step));
    }

    assertThat(out)
        .extracting(e -> e.rule() + " " + e.status() + "@" + e.step())
        .containsExactly("loss_spike FIRING@202", "loss_divergence FIRING@230");
  }

  private static RunState started(RunStarted s) {
    return RunState.started(null, RunProfile.of(s, List.of()), s.tsMs(), 0);
  }
}
