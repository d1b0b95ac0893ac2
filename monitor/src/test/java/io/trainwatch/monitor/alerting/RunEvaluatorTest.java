package io.trainwatch.monitor.alerting;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.rules.NegativeLossRule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.AlertStatus;
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

  private static RunState started(RunStarted s) {
    return RunState.started(null, RunProfile.of(s, List.of()), s.tsMs(), 0);
  }
}
