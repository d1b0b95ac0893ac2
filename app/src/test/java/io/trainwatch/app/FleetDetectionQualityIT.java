package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.app.evaluate.FleetCaseResult;
import io.trainwatch.app.evaluate.FleetReport;
import io.trainwatch.app.evaluate.SimulatedFleetEvaluation;
import io.trainwatch.app.evaluate.SimulatedFleetEvaluation.Outcome;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.RankFault;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The fleet-level bar, on the simulated fleets exactly as {@code ./trainwatch evaluate} runs them:
 * 200 jobs x 8 ranks on 64 hosts through the monitor's real topology, with faults and a bad host,
 * and a healthy fleet as the control. Asserts what was said (which rule, which rank, which host,
 * how many steps late, how many pages), never how long anything took.
 */
class FleetDetectionQualityIT {

  private static Outcome faulty;
  private static Outcome sweep;
  private static Outcome healthy;

  @BeforeAll
  static void evaluateTheFleets() throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.io.trainwatch.monitor", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    faulty =
        SimulatedFleetEvaluation.run(
            "faulty-fleet", "faults", SimulatedFleetEvaluation.faultyFleet());
    sweep =
        SimulatedFleetEvaluation.run(
            FleetReport.SWEEP, "5% stragglers", SimulatedFleetEvaluation.stragglerSweep());
    healthy =
        SimulatedFleetEvaluation.run(
            "healthy-fleet", "healthy", SimulatedFleetEvaluation.healthyFleet());
    System.out.println(FleetReport.totals(List.of(faulty, sweep, healthy)).summary());
  }

  @TestFactory
  Stream<DynamicTest> shouldMeetTheBarOnEveryFaultyJobAndTheBadHost() {
    return faulty.cases().stream()
        .filter(c -> !c.fleetCase().healthy())
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.fleetCase().subject() + ": " + c.fleetCase().description(),
                    () -> assertThat(c.failures()).as(c.firedSummary()).isEmpty()));
  }

  @Test
  void shouldNameA20PercentStragglerWithin10StepsAnd5PercentWithin50() {
    List<FleetCaseResult> stragglers =
        SimulatedFleetEvaluation.ofKind(faulty, RankFault.SLOW_COMPUTE);

    assertThat(stragglers).hasSizeGreaterThanOrEqualTo(5);
    for (FleetCaseResult c : stragglers) {
      Alert a = c.detection().orElseThrow(() -> new AssertionError(c.firedSummary()));
      assertThat(a.evidence()).containsEntry("phase", "compute");
      long bar = c.fleetCase().maxDelaySteps();
      assertThat(c.delaySteps())
          .as(c.fleetCase().description())
          .hasValueSatisfying(d -> assertThat(d).isBetween(0L, bar));
    }
  }

  @Test
  void shouldNameTheHungRankAndItsHost() {
    List<FleetCaseResult> hangs = SimulatedFleetEvaluation.ofKind(faulty, RankFault.HANG);

    assertThat(hangs).isNotEmpty();
    for (FleetCaseResult c : hangs) {
      Alert a = c.detection().orElseThrow(() -> new AssertionError(c.firedSummary()));
      assertThat(a.rule()).isEqualTo("job_hang");
      assertThat(a.placement().rank()).isEqualTo(c.fleetCase().rank());
      assertThat(a.placement().host()).isEqualTo(c.fleetCase().host());
      assertThat(c.pages()).isEqualTo(1);
    }
  }

  @Test
  void shouldNameTheNanRankOnceWithOnePage() {
    List<FleetCaseResult> nan = SimulatedFleetEvaluation.ofKind(faulty, RankFault.NAN_RANK);

    assertThat(nan).hasSizeGreaterThanOrEqualTo(2);
    for (FleetCaseResult c : nan) {
      Alert a = c.detection().orElseThrow(() -> new AssertionError(c.firedSummary()));
      assertThat(a.diagnosis()).isEqualTo("nonfinite_on_rank");
      assertThat(c.pages()).as(c.firedSummary()).isEqualTo(1);
    }
  }

  @Test
  void shouldSuspectTheBadHostAndNoOther() {
    List<Alert> suspects =
        Stream.concat(faulty.alerts().stream(), healthy.alerts().stream())
            .filter(a -> a.firing() && a.rule().equals("suspect_node"))
            .toList();

    assertThat(suspects)
        .extracting(a -> a.placement().host())
        .containsExactly(faulty.fleet().badHost());
    assertThat(suspects.get(0).placement().device()).isEqualTo(faulty.fleet().badDevice());
  }

  @Test
  void shouldRaiseNothingOnTheFaultyFleetsHealthyJobs() {
    assertThat(faulty.cases())
        .filteredOn(c -> c.fleetCase().healthy())
        .allSatisfy(c -> assertThat(c.firings()).as(c.fleetCase().subject()).isEmpty());
    assertThat(faulty.unattributed()).filteredOn(Alert::firing).isEmpty();
  }

  /**
   * The 5% bar over many stragglers: every one named by the right rule, rank and host as compute,
   * and the median delay within 50 steps. The distribution is printed (the report quotes it).
   */
  @Test
  void shouldNameEverySweptFivePercentStragglerWithAMedianDelayWithin50Steps() {
    List<FleetCaseResult> stragglers =
        SimulatedFleetEvaluation.ofKind(sweep, RankFault.SLOW_COMPUTE);
    assertThat(stragglers).hasSize(SimulatedFleetEvaluation.SWEEP_STRAGGLERS);
    for (FleetCaseResult c : stragglers) {
      assertThat(c.failures()).as(c.firedSummary()).isEmpty();
      Alert a = c.detection().orElseThrow(() -> new AssertionError(c.firedSummary()));
      assertThat(a.evidence()).containsEntry("phase", "compute");
    }
    List<Long> delays = FleetReport.sweepDelays(List.of(sweep));
    System.out.println("straggler sweep (5%): " + FleetReport.sweepSummary(delays) + ": " + delays);
    assertThat(delays.get(delays.size() / 2))
        .isLessThanOrEqualTo(SimulatedFleetEvaluation.STRAGGLER_5_BAR);
    assertThat(sweep.cases())
        .filteredOn(c -> c.fleetCase().healthy())
        .allSatisfy(c -> assertThat(c.firings()).as(c.fleetCase().subject()).isEmpty());
    assertThat(sweep.unattributed()).filteredOn(Alert::firing).isEmpty();
  }

  /**
   * The control: 200 healthy jobs (restarts, checkpoints, drift, data-loader hiccups, device
   * offsets) raise nothing at all, of any severity: no page, no warning.
   */
  @Test
  void shouldRaiseNothingAtAllOnTheHealthyFleet() {
    assertThat(healthy.fleet().jobs()).hasSize(200);
    assertThat(healthy.fleet().jobs().stream().filter(j -> j.attempts().size() > 1))
        .as("restarted jobs in the control")
        .isNotEmpty();
    assertThat(healthy.alerts()).extracting(Alert::summary).isEmpty();
  }
}
