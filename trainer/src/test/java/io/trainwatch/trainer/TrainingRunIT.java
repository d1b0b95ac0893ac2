package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.TrainingEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real DL4J training runs, healthy and faulty, published to memory. */
class TrainingRunIT {

  private static final int STEPS = 120;
  private static final int CLASSES = TrainingSpec.DEFAULT_CLASSES;

  @Test
  void shouldTrainAHealthyRunWhoseLossStartsNearLnCAndFalls() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report = TrainingRun.run(TrainingSpec.of("healthy", Fault.NONE).withSteps(STEPS), publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(report.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(report.stepsRun()).isEqualTo(STEPS);
    assertThat(report.faultOnsetStep()).isNull();
    assertThat(report.firstNonFiniteStep()).isNull();
    assertThat(batches).hasSize(STEPS);
    assertThat(batches.get(0).loss()).isCloseTo(Math.log(CLASSES), within(0.3));
    assertThat(mean(batches.subList(STEPS - 20, STEPS))).isLessThan(0.5 * batches.get(0).loss());
    assertThat(batches).allSatisfy(b -> {
      assertThat(b.input().max()).isLessThan(15);
      assertThat(b.input().mean()).isCloseTo(0, within(0.3));
      assertThat(b.output().rowSumMean()).isCloseTo(1, within(1e-4));
      assertThat(b.loss()).isPositive();
    });
    assertThat(report.publisher()).isEqualTo(new PublisherStats(STEPS + 2, STEPS + 2, 0, 0));
    List<TrainingEvent> events = publisher.events();
    assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(RunEnded.class,
        e -> assertThat(e.status()).isEqualTo(RunStatus.COMPLETED));
  }

  @Test
  void shouldReproduceSoftmaxIntoNllWithALossInMinusOneToZeroStartingNearMinusOneOverC() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(TrainingSpec.of("nll", Fault.SOFTMAX_INTO_NLL).withSteps(STEPS), publisher);

    RunStarted started = (RunStarted) publisher.events().get(0);
    assertThat(started.loss().inputKind()).isEqualTo(InputKind.LOG_PROBABILITIES);
    assertThat(started.loss().activation()).isEqualTo("softmax");
    assertThat(started.loss().lowerBound()).isEqualTo(0.0);
    List<BatchEvent> batches = publisher.batches();
    assertThat(batches.get(0).loss()).isCloseTo(-1.0 / CLASSES, within(0.03));
    assertThat(batches).allSatisfy(b -> assertThat(b.loss()).isBetween(-1.0, 0.0));
    assertThat(batches.get(STEPS - 1).loss()).isLessThan(batches.get(0).loss());
    // The softmax fingerprint: every output row sums to 1.
    assertThat(batches).allSatisfy(b -> assertThat(b.output().rowSumMean()).isCloseTo(1, within(1e-4)));
  }

  @Test
  void shouldReproduceUnnormalizedInputsWithPixelValuesUpTo255() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report =
        TrainingRun.run(TrainingSpec.of("raw", Fault.UNNORMALIZED_INPUT).withSteps(40), publisher);

    assertThat(report.faultOnsetStep()).isZero();
    assertThat(publisher.batches()).allSatisfy(b -> {
      assertThat(b.input().max()).isCloseTo(255, within(10.0));
      assertThat(b.input().min()).isGreaterThanOrEqualTo(0);
      assertThat(b.input().mean()).isGreaterThan(20);
    });
  }

  @Test
  void shouldStopNormalizingInputsOnlyBetweenOnsetAndRecovery() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report = TrainingRun.run(
        TrainingSpec.of("raw-window", Fault.UNNORMALIZED_INPUT).withSteps(30).withFaultWindow(10, 20), publisher);

    assertThat(report.faultOnsetStep()).isEqualTo(10);
    assertThat(report.faultRecoveryStep()).isEqualTo(20);
    for (BatchEvent b : publisher.batches()) {
      boolean raw = b.step() >= 10 && b.step() < 20;
      assertThat(b.input().max()).as("input max at step %d", b.step()).isGreaterThan(raw ? 200 : -1)
          .isLessThan(raw ? 256 : 15);
    }
  }

  @Test
  void shouldReproduceDivergenceReachingANonFiniteLoss() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report = TrainingRun.run(TrainingSpec.of("diverge", Fault.DIVERGE).withSteps(40), publisher);

    assertThat(report.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(report.firstNonFiniteStep()).isNotNull().isLessThan(20);
    assertThat(Double.isFinite(report.finalLoss())).isFalse();
    List<BatchEvent> batches = publisher.batches();
    assertThat(batches.get(0).lr()).isEqualTo(Networks.DIVERGENT_LEARNING_RATE);
    BatchEvent last = batches.get(batches.size() - 1);
    assertThat(last.loss()).isNaN();
    assertThat(last.output().nonfinite()).isEqualTo(last.output().count());
    assertThat(last.gradNorm()).isNaN();
  }

  @Test
  void shouldJumpTheLearningRateAtTheOnsetOfAMidRunDivergence() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report = TrainingRun.run(
        TrainingSpec.of("lr-jump", Fault.DIVERGE).withSteps(30).withFaultWindow(15, null), publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(batches.get(14).lr()).isEqualTo(Networks.HEALTHY_LEARNING_RATE);
    assertThat(batches.get(15).lr()).isEqualTo(Networks.DIVERGENT_LEARNING_RATE);
    // Batch 15's loss is computed before its (first divergent) update; the damage shows from batch 16 on.
    assertThat(batches.subList(0, 16)).allSatisfy(b -> assertThat(b.loss()).isFinite());
    assertThat(report.firstNonFiniteStep()).isBetween(16, 21);
  }

  @Test
  void shouldBeDeterministicForASeed() {
    InMemoryEventPublisher first = new InMemoryEventPublisher();
    InMemoryEventPublisher second = new InMemoryEventPublisher();

    TrainingRun.run(TrainingSpec.of("a", Fault.NONE).withSteps(10), first);
    TrainingRun.run(TrainingSpec.of("b", Fault.NONE).withSteps(10), second);

    assertThat(first.batches()).extracting(BatchEvent::loss)
        .containsExactlyElementsOf(second.batches().stream().map(BatchEvent::loss).toList());
  }

  private static double mean(List<BatchEvent> batches) {
    return batches.stream().mapToDouble(BatchEvent::loss).average().orElseThrow();
  }
}
