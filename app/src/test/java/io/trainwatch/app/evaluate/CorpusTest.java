package io.trainwatch.app.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.Fault;
import io.trainwatch.trainer.Architecture;
import io.trainwatch.trainer.InputScaling;
import io.trainwatch.trainer.Objective;
import io.trainwatch.trainer.Optimizer;
import io.trainwatch.trainer.TrainingSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The corpus covers what the detection-quality bar is about (issue 3's list). */
class CorpusTest {

  private final List<Scenario> corpus = Corpus.standard("t-");

  @Test
  void shouldHaveHealthyVariantsOfArchitectureInputsLossAndOptimizer() {
    List<TrainingSpec> healthy =
        corpus.stream().filter(Scenario::healthy).map(Scenario::spec).toList();

    assertThat(healthy.stream().map(TrainingSpec::architecture).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(Architecture.values());
    assertThat(healthy.stream().map(TrainingSpec::inputScaling).collect(Collectors.toSet()))
        .contains(InputScaling.STANDARDIZED, InputScaling.UNIT);
    assertThat(healthy)
        .anySatisfy(
            s -> {
              assertThat(s.objective()).isEqualTo(Objective.COSINE_REGRESSION);
              assertThat(s.optimizer()).isEqualTo(Optimizer.ADAM);
            });
    assertThat(healthy).allSatisfy(s -> assertThat(s.fault()).isEqualTo(Fault.NONE));
  }

  @Test
  void shouldReproduceEveryFaultOfTheTrainer() {
    Set<Fault> faults =
        corpus.stream()
            .filter(s -> !s.healthy())
            .map(s -> s.spec().fault())
            .collect(Collectors.toSet());

    assertThat(faults)
        .containsAll(Arrays.stream(Fault.values()).filter(f -> f != Fault.NONE).toList());
  }

  @Test
  void shouldExpectEveryRuleAndADiagnosisForEachExpectedAlert() {
    Set<String> expectedRules =
        corpus.stream()
            .flatMap(s -> s.expected().stream())
            .map(Scenario.ExpectedAlert::rule)
            .collect(Collectors.toSet());

    assertThat(expectedRules)
        .containsExactlyInAnyOrderElementsOf(
            // The rules judged on a run's batches: the job- and fleet-level ones and crash_loop
            // are judged over jobs (their ranks, their attempts), not over one run.
            io.trainwatch.monitor.rules.Rules.all().stream()
                .map(r -> r.id())
                .filter(id -> id != io.trainwatch.monitor.rules.RuleId.CRASH_LOOP)
                .map(id -> id.id())
                .toList());
    assertThat(corpus.stream().flatMap(s -> s.expected().stream()))
        .allSatisfy(e -> assertThat(e.diagnosis()).as(e.rule()).isNotNull());
  }

  @Test
  void shouldKnowOfNoGapInTheBar() {
    assertThat(corpus).allSatisfy(s -> assertThat(s.knownGap()).as(s.name()).isNull());
  }

  @Test
  void shouldHaveTheMidRunFaultsTheIssueNames() {
    assertThat(corpus)
        .anySatisfy(
            s -> {
              assertThat(s.spec().fault()).isEqualTo(Fault.UNNORMALIZED_INPUT);
              assertThat(s.onsetStep()).isEqualTo(300);
            });
    assertThat(corpus)
        .anySatisfy(
            s -> {
              assertThat(s.spec().fault()).isEqualTo(Fault.DIVERGE);
              assertThat(s.onsetStep()).isEqualTo(500);
            });
    assertThat(corpus)
        .filteredOn(Scenario::fixedLater)
        .singleElement()
        .satisfies(s -> assertThat(s.spec().recoveryStep()).isGreaterThan(s.onsetStep()));
  }

  @Test
  void shouldGiveEveryRunItsOwnIdAndEveryFaultASteadyRunAfterTheOnset() {
    assertThat(corpus.stream().map(s -> s.spec().runId()).distinct()).hasSize(corpus.size());
    assertThat(corpus.stream().filter(s -> !s.healthy() && s.spec().fault() != Fault.STALL))
        .allSatisfy(
            s -> assertThat(s.spec().steps()).as(s.name()).isGreaterThan(s.onsetStep() + 10));
  }
}
