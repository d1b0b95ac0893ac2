package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.app.evaluate.Corpus;
import io.trainwatch.app.evaluate.DetectionQualityReport;
import io.trainwatch.app.evaluate.Evaluation;
import io.trainwatch.app.evaluate.ScenarioResult;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The detection-quality bar, on the whole corpus: real DL4J trainings through the real monitor on
 * the embedded broker, exactly as {@code ./trainwatch evaluate} runs them. One dynamic test per
 * scenario says which one misses.
 */
class DetectionQualityIT {

  private static List<ScenarioResult> results;

  @BeforeAll
  static void evaluateTheCorpus() throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.io.trainwatch.monitor", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.io.trainwatch.trainer", "warn");
    long start = System.nanoTime();
    results = Evaluation.run(Corpus.standard("it-"), 2, line -> System.out.println("  " + line));
    System.out.printf(
        "DetectionQualityIT: %d scenarios in %.0f s%n",
        results.size(), (System.nanoTime() - start) / 1e9);
    System.out.println(DetectionQualityReport.totals(results).summary());
  }

  @TestFactory
  Stream<DynamicTest> shouldMeetTheBarOnEveryScenario() {
    return results.stream()
        .map(
            r ->
                DynamicTest.dynamicTest(
                    r.scenario().name(),
                    () ->
                        assertThat(r.failures())
                            .as("%s: fired %s", r.scenario().name(), r.firedSummary())
                            .isEmpty()));
  }

  @Test
  void shouldCatchTheVanishingGradientWithItsOwnRuleWithinFiveBatches() {
    ScenarioResult vanishing =
        results.stream()
            .filter(r -> r.scenario().name().equals("vanishing-gradient"))
            .findFirst()
            .orElseThrow();

    // The whole gradient norm never vanishes in this run: only the first layer's, compared with it,
    // tells.
    ScenarioResult.Detection d =
        vanishing
            .detection()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "vanishing-gradient not detected; fired " + vanishing.firedSummary()));
    assertThat(d.alert().rule()).isEqualTo("vanishing_gradient");
    assertThat(d.alert().diagnosis()).isEqualTo("first_layer_gradient_vanished");
    assertThat(d.delay()).isBetween(0.0, (double) ScenarioResult.MAX_DELAY_BATCHES);
  }

  @Test
  void shouldRaiseNoAlertOnHealthyRuns() {
    List<ScenarioResult> healthy = results.stream().filter(r -> r.scenario().healthy()).toList();

    assertThat(healthy).hasSizeGreaterThanOrEqualTo(3);
    assertThat(healthy).allSatisfy(r -> assertThat(r.alerts()).as(r.scenario().name()).isEmpty());
  }

  @Test
  void shouldGiveOneFiringAndOneResolvedRecordForTheFaultFixedMidRun() {
    List<ScenarioResult> fixed = results.stream().filter(r -> r.scenario().fixedLater()).toList();

    assertThat(fixed)
        .isNotEmpty()
        .allSatisfy(
            r -> {
              assertThat(r.alerts()).as(r.scenario().name()).hasSize(2);
              assertThat(r.oneIncidentPerFix()).as(r.scenario().name()).isTrue();
            });
  }

  @Test
  void shouldDetectEveryFault() {
    DetectionQualityReport.Totals totals = DetectionQualityReport.totals(results);

    assertThat(totals.knownGaps()).as("known gaps").isEmpty();
    assertThat(totals.detected()).as(totals.summary()).isEqualTo(totals.faultyScenarios());
    assertThat(totals.falseAlarms()).isZero();
    assertThat(totals.unexpectedAlerts()).isZero();
  }
}
