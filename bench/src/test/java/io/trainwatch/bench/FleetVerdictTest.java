package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.alerting.Emission;
import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.simulator.RunProfile;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The benchmark's fleets through the monitor's rules, without Kafka: a throughput figure is only
 * worth quoting if the monitor also got the fleet right. Healthy runs (including legitimately
 * negative Gaussian NLL losses) raise nothing; every faulty run raises the rule its fault calls
 * for. Run at the full benchmark's size (10,000 runs, 1,000,000 batches) and on fleets of longer
 * runs.
 */
class FleetVerdictTest {

  private static final Map<RunProfile, RuleId> EXPECTED =
      Map.of(
          RunProfile.SOFTMAX_INTO_NLL, RuleId.NEGATIVE_LOSS,
          RunProfile.UNNORMALIZED_INPUT, RuleId.UNNORMALIZED_INPUT,
          RunProfile.DIVERGING, RuleId.NONFINITE_LOSS);

  @ParameterizedTest(name = "{0} runs, {1} batches, seed {2}")
  @CsvSource({"10000, 1000000, " + BenchPlan.DEFAULT_SEED, "2000, 1000000, 3", "1000, 1000000, 7"})
  void shouldAlertOnEveryFaultyRunAndNoHealthyOne(int runs, long batches, long seed) {
    Fleet fleet = new Fleet(new FleetSpec("fleet", runs, 0.03, seed));
    Map<String, RunProfile> profiles = new HashMap<>();
    fleet.runs().forEach(r -> profiles.put(r.runId(), r.profile()));
    RunEvaluator evaluator = RunEvaluator.standard();
    Map<String, RunState> states = new HashMap<>();
    Map<String, Set<RuleId>> fired = new TreeMap<>();
    for (Iterator<TrainingEvent> it = fleet.events(batches, 0, 100); it.hasNext(); ) {
      TrainingEvent e = it.next();
      if (e instanceof RunStarted s) {
        states.put(
            s.runId(),
            RunState.started(
                null, io.trainwatch.monitor.run.RunProfile.of(s, List.of()), s.tsMs(), 0));
      } else if (e instanceof BatchEvent b) {
        for (Emission emission :
            evaluator.onBatch(states.get(b.runId()), b, RunSettings.defaults(), 0)) {
          if (emission.firing()) {
            fired.computeIfAbsent(b.runId(), k -> new TreeSet<>()).add(emission.rule());
          }
        }
      }
    }

    Map<RunProfile, Integer> missed = new EnumMap<>(RunProfile.class);
    Map<String, Set<RuleId>> falseAlarms = new TreeMap<>();
    profiles.forEach(
        (run, profile) -> {
          Set<RuleId> rules = fired.getOrDefault(run, Set.of());
          if (!profile.faulty() && !rules.isEmpty()) {
            falseAlarms.put(run + " (" + profile + ")", rules);
          } else if (profile.faulty() && !rules.contains(EXPECTED.get(profile))) {
            missed.merge(profile, 1, Integer::sum);
          }
        });
    assertThat(falseAlarms).as("alerts on healthy runs").isEmpty();
    assertThat(missed).as("faulty runs without their rule's alert").isEmpty();
    System.out.printf(
        "%,d runs (%,d faulty), %,d batches: every faulty run alerted, no healthy one%n",
        runs, fleet.faultyRuns(), batches);
  }
}
