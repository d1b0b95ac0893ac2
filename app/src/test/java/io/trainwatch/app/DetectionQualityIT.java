package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.app.evaluate.Corpus;
import io.trainwatch.app.evaluate.DetectionQualityReport;
import io.trainwatch.app.evaluate.Evaluation;
import io.trainwatch.app.evaluate.Scenario;
import io.trainwatch.app.evaluate.ScenarioResult;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The detection-quality bar, on the whole corpus: real DL4J trainings through the real monitor on the embedded
 * broker, exactly as {@code ./trainwatch evaluate} runs them. One dynamic test per scenario says which one misses.
 */
class DetectionQualityIT {

  private static List<ScenarioResult> results;

  @BeforeAll
  static void evaluateTheCorpus() throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.io.trainwatch.monitor", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.io.trainwatch.trainer", "warn");
    long start = System.nanoTime();
    results = Evaluation.run(Corpus.standard("it-"), 2, line -> System.out.println("  " + line));
    System.out.printf("DetectionQualityIT: %d scenarios in %.0f s%n", results.size(),
        (System.nanoTime() - start) / 1e9);
    System.out.println(DetectionQualityReport.totals(results).summary());
  }

  @TestFactory
  Stream<DynamicTest> shouldMeetTheBarOnEveryScenario() {
    return results.stream().map(r -> DynamicTest.dynamicTest(r.scenario().name(), () -> {
      Scenario s = r.scenario();
      if (s.knownGap() == null) {
        assertThat(r.failures()).as("%s: fired %s", s.name(), r.firedSummary()).isEmpty();
      } else {
        // A known gap must still be one: once it is fixed, the corpus and the report must say so.
        assertThat(r.detected()).as("%s is listed as a known gap but was detected in time: remove the gap",
            s.name()).isFalse();
        assertThat(r.unexpectedRules()).as("%s: unexpected rules", s.name()).isEmpty();
      }
    }));
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

    assertThat(fixed).isNotEmpty().allSatisfy(r -> {
      assertThat(r.alerts()).as(r.scenario().name()).hasSize(2);
      assertThat(r.oneIncidentPerFix()).as(r.scenario().name()).isTrue();
    });
  }

  @Test
  void shouldDetectEveryFaultThatIsNotAKnownGap() {
    DetectionQualityReport.Totals totals = DetectionQualityReport.totals(results);

    assertThat(totals.onlyKnownGapsMissed()).as(totals.summary()).isTrue();
    assertThat(totals.detected()).isEqualTo(totals.faultyScenarios() - totals.knownGaps().size());
    assertThat(totals.falseAlarms()).isZero();
    assertThat(totals.unexpectedAlerts()).isZero();
  }
}
