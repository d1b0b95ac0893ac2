package io.trainwatch.app.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.app.evaluate.Scenario.ExpectedAlert;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.Severity;
import io.trainwatch.schemas.Stats;
import io.trainwatch.trainer.Optimizer;
import io.trainwatch.trainer.TrainingSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioResultTest {

  private static final Scenario UNNORMALIZED_FROM_300 =
      Scenario.faulty(
          "unnormalized-from-300",
          "raw from 300",
          TrainingSpec.of("r", Fault.UNNORMALIZED_INPUT).withSteps(400).withFaultWindow(300, null),
          ExpectedAlert.of("unnormalized_input", "pixel_scale"));

  @Test
  void shouldDetectTheRightRuleAndDiagnosisWithinFiveBatchesOfTheOnset() {
    ScenarioResult r =
        result(
            UNNORMALIZED_FROM_300, batches(400), firing("unnormalized_input", "pixel_scale", 305));

    assertThat(r.detected()).isTrue();
    assertThat(r.delaySummary()).isEqualTo("5");
    assertThat(r.meetsBar()).isTrue();
  }

  @Test
  void shouldMissALateDetection() {
    ScenarioResult r =
        result(
            UNNORMALIZED_FROM_300, batches(400), firing("unnormalized_input", "pixel_scale", 306));

    assertThat(r.detected()).isFalse();
    assertThat(r.failures()).containsExactly("detected late: 6");
  }

  @Test
  void shouldNotCountTheRightRuleWithTheWrongDiagnosis() {
    ScenarioResult r =
        result(UNNORMALIZED_FROM_300, batches(400), firing("unnormalized_input", "raw_scale", 302));

    assertThat(r.detection()).isEmpty();
    assertThat(r.failures()).singleElement().asString().startsWith("not detected");
  }

  @Test
  void shouldTakeTheEarliestOfSeveralAcceptableAlerts() {
    Scenario lrJump =
        Scenario.faulty(
            "lr-jump",
            "lr jump",
            TrainingSpec.of("r", Fault.DIVERGE).withSteps(520).withFaultWindow(500, null),
            ExpectedAlert.of("nonfinite_loss", "diverged"),
            ExpectedAlert.of("loss_divergence", "loss_rising"));

    ScenarioResult r =
        result(
            lrJump,
            batches(520),
            firing("loss_divergence", "loss_rising", 503),
            firing("nonfinite_loss", "diverged", 504));

    assertThat(r.detection().orElseThrow().alert().rule()).isEqualTo("loss_divergence");
    assertThat(r.delaySummary()).isEqualTo("3");
    assertThat(r.meetsBar()).isTrue();
  }

  @Test
  void shouldFlagRulesThatAreNeitherExpectedNorAccepted() {
    Scenario exploding =
        Scenario.faulty(
                "exploding",
                "lr x100",
                TrainingSpec.of("r", Fault.EXPLODING_GRADIENT).withSteps(200),
                ExpectedAlert.of("exploding_gradient", "gradient_spike"))
            .accepting("loss_divergence");

    ScenarioResult r =
        result(
            exploding,
            batches(200),
            firing("loss_divergence", "loss_rising", 103),
            firing("exploding_gradient", "gradient_spike", 104),
            firing("loss_plateau", "stalled", 190));

    assertThat(r.detected()).isTrue();
    assertThat(r.secondaryRules()).containsExactly("loss_divergence");
    assertThat(r.unexpectedRules()).containsExactly("loss_plateau");
    assertThat(r.meetsBar()).isFalse();
  }

  @Test
  void shouldCountEveryFiringOfAHealthyRunAsAFalseAlarm() {
    Scenario healthy = Scenario.healthy("healthy", "fine", TrainingSpec.of("r", Fault.NONE));

    ScenarioResult quiet = result(healthy, batches(300));
    ScenarioResult noisy =
        result(
            healthy,
            batches(300),
            firing("loss_plateau", "stalled", 280),
            resolved("loss_plateau", 299));

    assertThat(quiet.meetsBar()).isTrue();
    assertThat(noisy.falseAlarms()).isEqualTo(1);
    assertThat(noisy.meetsBar()).isFalse();
  }

  @Test
  void shouldCountAPlateauFromWhenItBecomesDecidable() {
    Scenario plateau =
        Scenario.faulty(
                "plateau",
                "tiny lr",
                TrainingSpec.of("r", Fault.PLATEAU),
                ExpectedAlert.of("loss_plateau", "not_learning"))
            .measuredFrom(DelayOrigin.PLATEAU_DECIDABLE);

    ScenarioResult r = result(plateau, batches(300), firing("loss_plateau", "not_learning", 252));

    assertThat(r.originStep()).isEqualTo(250); // warmup_batches 50 + window 200
    assertThat(r.delaySummary()).isEqualTo("2");
  }

  @Test
  void shouldCountACollapseFromTheFirstCollapsedBatch() {
    Scenario collapse =
        Scenario.faulty(
                "collapse",
                "labels all 0",
                TrainingSpec.of("r", Fault.OUTPUT_COLLAPSE).withSteps(200),
                ExpectedAlert.of("output_collapse", "single_class"))
            .measuredFrom(DelayOrigin.PREDICTIONS_COLLAPSED);
    List<BatchEvent> batches = new ArrayList<>();
    for (int step = 0; step < 200; step++) {
      // 90% collapsed is not yet collapsed (max_top_fraction is 95%).
      batches.add(batch(step, step < 100 ? 0.2 : step < 103 ? 0.9 : 1.0));
    }

    ScenarioResult r = result(collapse, batches, firing("output_collapse", "single_class", 107));

    assertThat(r.originStep()).isEqualTo(103);
    assertThat(r.delaySummary()).isEqualTo("4");
  }

  @Test
  void shouldTimeAStallInSecondsAgainstItsConfiguredTimeout() {
    Scenario stall =
        Scenario.faulty(
                "stall",
                "hangs",
                TrainingSpec.of("r", Fault.STALL),
                ExpectedAlert.of("stalled_run", "stopped_reporting"))
            .measuredFrom(DelayOrigin.LAST_EVENT);

    ScenarioResult inTime = result(stall, batches(100), stallFiring(6));
    ScenarioResult late =
        result(stall, batches(100), stallFiring(5 + ScenarioResult.STALL_SLACK_SECONDS + 1));

    assertThat(inTime.meetsBar()).isTrue();
    assertThat(inTime.delaySummary()).isEqualTo("6 s (stall_seconds 5)");
    assertThat(late.detected()).isFalse();
  }

  @Test
  void shouldWantOneFiringAndOneResolutionAfterTheFixBeforeTheRunEnds() {
    Scenario fixed =
        Scenario.faulty(
                "fixed",
                "raw from 150 to 250",
                TrainingSpec.of("r", Fault.UNNORMALIZED_INPUT)
                    .withOptimizer(Optimizer.ADAM)
                    .withSteps(350)
                    .withFaultWindow(150, 250),
                ExpectedAlert.of("unnormalized_input", "pixel_scale"))
            .withFixAtRecovery();

    ScenarioResult cleared =
        result(
            fixed,
            batches(350),
            firing("unnormalized_input", "pixel_scale", 152),
            resolved("unnormalized_input", 269));
    ScenarioResult atRunEnd =
        result(
            fixed,
            batches(350),
            firing("unnormalized_input", "pixel_scale", 152),
            resolved("unnormalized_input", 349));
    ScenarioResult twice =
        result(
            fixed,
            batches(350),
            firing("unnormalized_input", "pixel_scale", 152),
            resolved("unnormalized_input", 200),
            firing("unnormalized_input", "pixel_scale", 210),
            resolved("unnormalized_input", 269));

    assertThat(cleared.meetsBar()).isTrue();
    assertThat(atRunEnd.oneIncidentPerFix()).isFalse();
    assertThat(twice.oneIncidentPerFix()).isFalse();
  }

  @Test
  void shouldTotalRecallFalseAlarmsAndDelays() {
    Scenario healthy = Scenario.healthy("healthy", "fine", TrainingSpec.of("h", Fault.NONE));
    List<ScenarioResult> results =
        List.of(
            result(healthy, batches(300)),
            result(
                UNNORMALIZED_FROM_300,
                batches(400),
                firing("unnormalized_input", "pixel_scale", 302)),
            result(UNNORMALIZED_FROM_300.withKnownGap("not yet"), batches(400)));

    DetectionQualityReport.Totals t = DetectionQualityReport.totals(results);

    assertThat(t.detected()).isEqualTo(1);
    assertThat(t.faultyScenarios()).isEqualTo(2);
    assertThat(t.recall()).isEqualTo(0.5);
    assertThat(t.falseAlarmsPerHealthyRun()).isZero();
    assertThat(t.batchDelays()).containsExactly(2L);
    assertThat(t.meetsBar()).isFalse();
    assertThat(t.onlyKnownGapsMissed()).isTrue();
  }

  @Test
  void shouldMeasureTheFirstLayersShareOfTheGradientOnlyWhereBothNormsAreUsable() {
    Stats stats = new Stats(-1, 1, 0, 1, 0, 64, null, null);
    List<BatchEvent> batches = new ArrayList<>();
    double[][] norms = {
      {0.5, 2.0}, {1e-9, 1.0}, {Double.NaN, 1.0}, {0.0, 0.0}, {0.3, Double.POSITIVE_INFINITY}
    };
    for (int step = 0; step < norms.length; step++) {
      batches.add(
          new BatchEvent(
              "r",
              1000 + step,
              step,
              0,
              32,
              1.0,
              stats,
              stats,
              null,
              norms[step][1],
              norms[step][0],
              0.02,
              5.0));
    }
    batches.add(batch(norms.length, 0.2)); // no first-layer norm at all

    assertThat(result(UNNORMALIZED_FROM_300, batches).firstLayerGradientRatios())
        .containsExactly(1e-9, 0.25);
  }

  private static ScenarioResult result(Scenario s, List<BatchEvent> batches, Alert... alerts) {
    return new ScenarioResult(s, null, List.of(alerts), batches, RunSettings.defaults());
  }

  private static List<BatchEvent> batches(int steps) {
    List<BatchEvent> out = new ArrayList<>();
    for (int step = 0; step < steps; step++) {
      out.add(batch(step, 0.2));
    }
    return out;
  }

  private static BatchEvent batch(long step, double topClassFraction) {
    Stats stats = new Stats(-1, 1, 0, 1, 0, 64, null, null);
    return new BatchEvent(
        "r",
        1000 + step,
        step,
        0,
        32,
        1.0,
        stats,
        stats,
        new Predictions(topClassFraction, 0.5),
        1.0,
        0.02,
        5.0);
  }

  private static Alert firing(String rule, String diagnosis, long step) {
    return alert(rule, AlertStatus.FIRING, diagnosis, Map.of(), step);
  }

  private static Alert resolved(String rule, long step) {
    return alert(rule, AlertStatus.RESOLVED, null, Map.of(), step);
  }

  private static Alert stallFiring(long silentSeconds) {
    return alert(
        "stalled_run",
        AlertStatus.FIRING,
        "stopped_reporting",
        Map.of("silent_seconds", silentSeconds, "stall_seconds", 5L),
        99);
  }

  private static Alert alert(
      String rule, AlertStatus status, String diagnosis, Map<String, Object> evidence, long step) {
    Instant at = Instant.ofEpochMilli(1000 + step);
    return new Alert(
        "r/" + rule,
        "r/" + rule + "#1",
        1,
        status,
        rule,
        Severity.WARNING,
        "r",
        null,
        "summary",
        "",
        diagnosis,
        evidence,
        step,
        at,
        status == AlertStatus.RESOLVED ? at : null,
        Map.of());
  }
}
