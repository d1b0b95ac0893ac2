package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.TrainingEvent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real DL4J training runs, healthy and faulty, published to memory. */
class TrainingRunIT {

  private static final int STEPS = 120;
  private static final int CLASSES = TrainingSpec.DEFAULT_CLASSES;

  @Test
  void shouldTrainAHealthyRunWhoseLossStartsNearLnCAndFalls() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report =
        TrainingRun.run(TrainingSpec.of("healthy", Fault.NONE).withSteps(STEPS), publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(report.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(report.stepsRun()).isEqualTo(STEPS);
    assertThat(report.faultOnsetStep()).isNull();
    assertThat(report.firstNonFiniteStep()).isNull();
    assertThat(batches).hasSize(STEPS);
    assertThat(batches.get(0).loss()).isCloseTo(Math.log(CLASSES), within(0.3));
    assertThat(mean(batches.subList(STEPS - 20, STEPS))).isLessThan(0.5 * batches.get(0).loss());
    assertThat(batches)
        .allSatisfy(
            b -> {
              assertThat(b.input().max()).isLessThan(15);
              assertThat(b.input().mean()).isCloseTo(0, within(0.3));
              assertThat(b.output().rowSumMean()).isCloseTo(1, within(1e-4));
              assertThat(b.loss()).isPositive();
              assertThat(b.firstLayerGradNorm() / b.gradNorm()).isBetween(0.1, 1.0);
            });
    assertThat(report.publisher()).isEqualTo(new PublisherStats(STEPS + 2, STEPS + 2, 0, 0));
    List<TrainingEvent> events = publisher.events();
    assertThat(events.get(events.size() - 1))
        .isInstanceOfSatisfying(
            RunEnded.class, e -> assertThat(e.status()).isEqualTo(RunStatus.COMPLETED));
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
    assertThat(batches)
        .allSatisfy(b -> assertThat(b.output().rowSumMean()).isCloseTo(1, within(1e-4)));
  }

  @Test
  void shouldReproduceUnnormalizedInputsWithPixelValuesUpTo255() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report =
        TrainingRun.run(TrainingSpec.of("raw", Fault.UNNORMALIZED_INPUT).withSteps(40), publisher);

    assertThat(report.faultOnsetStep()).isZero();
    assertThat(publisher.batches())
        .allSatisfy(
            b -> {
              assertThat(b.input().max()).isCloseTo(255, within(10.0));
              assertThat(b.input().min()).isGreaterThanOrEqualTo(0);
              assertThat(b.input().mean()).isGreaterThan(20);
            });
  }

  @Test
  void shouldStopNormalizingInputsOnlyBetweenOnsetAndRecovery() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report =
        TrainingRun.run(
            TrainingSpec.of("raw-window", Fault.UNNORMALIZED_INPUT)
                .withSteps(30)
                .withFaultWindow(10, 20),
            publisher);

    assertThat(report.faultOnsetStep()).isEqualTo(10);
    assertThat(report.faultRecoveryStep()).isEqualTo(20);
    for (BatchEvent b : publisher.batches()) {
      boolean raw = b.step() >= 10 && b.step() < 20;
      assertThat(b.input().max())
          .as("input max at step %d", b.step())
          .isGreaterThan(raw ? 200 : -1)
          .isLessThan(raw ? 256 : 15);
    }
  }

  @Test
  void shouldReproduceDivergenceReachingANonFiniteLoss() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report =
        TrainingRun.run(TrainingSpec.of("diverge", Fault.DIVERGE).withSteps(40), publisher);

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

    TrainingReport report =
        TrainingRun.run(
            TrainingSpec.of("lr-jump", Fault.DIVERGE).withSteps(30).withFaultWindow(15, null),
            publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(batches.get(14).lr()).isEqualTo(Optimizer.SGD.learningRate());
    assertThat(batches.get(15).lr()).isEqualTo(Networks.DIVERGENT_LEARNING_RATE);
    // Batch 15's loss is computed before its (first divergent) update; the damage shows from batch
    // 16 on.
    assertThat(batches.subList(0, 16)).allSatisfy(b -> assertThat(b.loss()).isFinite());
    assertThat(report.firstNonFiniteStep()).isBetween(16, 21);
  }

  @Test
  void shouldBeDeterministicForASeed() {
    InMemoryEventPublisher first = new InMemoryEventPublisher();
    InMemoryEventPublisher second = new InMemoryEventPublisher();

    TrainingRun.run(TrainingSpec.of("a", Fault.NONE).withSteps(10), first);
    TrainingRun.run(TrainingSpec.of("b", Fault.NONE).withSteps(10), second);

    assertThat(first.batches())
        .extracting(BatchEvent::loss)
        .containsExactlyElementsOf(second.batches().stream().map(BatchEvent::loss).toList());
  }

  @Test
  void shouldExplodeTheGradientForSeveralStepsAfterTheOnsetWithoutNaN() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report =
        TrainingRun.run(
            TrainingSpec.of("exploding", Fault.EXPLODING_GRADIENT).withSteps(140), publisher);

    assertThat(report.faultOnsetStep()).isEqualTo(100);
    assertThat(report.firstNonFiniteStep()).isNull();
    List<BatchEvent> batches = publisher.batches();
    double before = geometricMeanGradNorm(batches.subList(90, 100));
    long exploded =
        batches.subList(100, 112).stream().filter(b -> b.gradNorm() > 1000 * before).count();
    assertThat(exploded).isGreaterThanOrEqualTo(3);
    assertThat(batches.get(100).lr()).isEqualTo(100 * Optimizer.SGD.learningRate());
  }

  @Test
  void shouldLearnNothingWhenGradientsVanishInADeepSigmoidNetwork() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(
        TrainingSpec.of("vanishing", Fault.VANISHING_GRADIENT).withSteps(60), publisher);

    RunStarted started = (RunStarted) publisher.events().get(0);
    assertThat(started.model()).contains("dense(32-32,sigmoid)");
    List<BatchEvent> batches = publisher.batches();
    assertThat(mean(batches.subList(40, 60))).isCloseTo(Math.log(CLASSES), within(0.1));
    // The signal dies before it reaches the output: every row gets the same output, hence the same
    // class.
    assertThat(batches)
        .allSatisfy(b -> assertThat(b.predictions().topClassFraction()).isEqualTo(1.0));
    // And the gradient dies on its way back: the first layer gets about 1e-9 of it (0.15 or more
    // when healthy), while
    // the output layer keeps the whole norm up.
    assertThat(batches)
        .allSatisfy(b -> assertThat(b.firstLayerGradNorm() / b.gradNorm()).isLessThan(1e-7));
    assertThat(batches).allSatisfy(b -> assertThat(b.gradNorm()).isGreaterThan(0.05));
  }

  @Test
  void shouldCollapsePredictionsOntoOneClassAfterTheOnset() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(TrainingSpec.of("collapse", Fault.OUTPUT_COLLAPSE).withSteps(140), publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(batches.subList(80, 100))
        .allSatisfy(b -> assertThat(b.predictions().entropy()).isGreaterThan(0.5));
    assertThat(batches.subList(120, 140))
        .allSatisfy(
            b -> assertThat(b.predictions().topClassFraction()).isGreaterThanOrEqualTo(0.95));
  }

  @Test
  void shouldKeepTheLossWhereItStartedWithATinyLearningRate() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(TrainingSpec.of("plateau", Fault.PLATEAU).withSteps(200), publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(batches.get(0).lr()).isCloseTo(2e-7, within(1e-12));
    assertThat(mean(batches.subList(150, 200)))
        .isCloseTo(mean(batches.subList(0, 50)), within(0.05));
  }

  @Test
  void shouldStartWithAHugeLossWhenWeightsAreInitializedTooLarge() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(TrainingSpec.of("bad-init", Fault.BAD_INIT_LOSS).withSteps(5), publisher);

    // An untrained 10-class classifier should start near ln 10 = 2.3.
    assertThat(publisher.batches())
        .allSatisfy(b -> assertThat(b.loss()).isGreaterThan(2 * Math.log(CLASSES) + 2));
  }

  @Test
  void shouldStopPublishingAtTheOnsetOfAStallWithoutEndingTheRun() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingReport report =
        TrainingRun.run(TrainingSpec.of("stall", Fault.STALL).withFaultWindow(20, null), publisher);

    assertThat(report.status()).isNull();
    assertThat(report.stepsRun()).isEqualTo(20);
    assertThat(publisher.events()).hasSize(21).noneMatch(e -> e instanceof RunEnded);
    assertThat(report.summary()).contains("stalled (no run_ended) after 20 steps");
  }

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void shouldTrainEveryArchitecture(Architecture architecture) {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(
        TrainingSpec.of("arch", Fault.NONE).withArchitecture(architecture).withSteps(STEPS),
        publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(mean(batches.subList(STEPS - 20, STEPS)))
        .isLessThan(0.5 * mean(batches.subList(0, 5)));
  }

  @Test
  void shouldTrainOnInputsScaledToTheUnitInterval() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(
        TrainingSpec.of("unit", Fault.NONE).withInputScaling(InputScaling.UNIT).withSteps(STEPS),
        publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(batches).allSatisfy(b -> assertThat(b.input().min()).isGreaterThanOrEqualTo(0));
    assertThat(batches).allSatisfy(b -> assertThat(b.input().max()).isLessThanOrEqualTo(1));
    assertThat(mean(batches.subList(STEPS - 20, STEPS)))
        .isLessThan(0.5 * mean(batches.subList(0, 5)));
  }

  @Test
  void shouldTrainACosineRegressionWhoseLossIsLegitimatelyNegative() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(
        TrainingSpec.of("cosine", Fault.NONE)
            .withObjective(Objective.COSINE_REGRESSION)
            .withSteps(STEPS),
        publisher);

    RunStarted started = (RunStarted) publisher.events().get(0);
    assertThat(started.loss())
        .isEqualTo(new LossDescriptor("LossCosineProximity", InputKind.VALUES, "identity", -1.0));
    assertThat(started.numClasses()).isNull();
    List<BatchEvent> batches = publisher.batches();
    assertThat(batches).allSatisfy(b -> assertThat(b.loss()).isBetween(-1.0, 1.0));
    assertThat(batches).allSatisfy(b -> assertThat(b.predictions()).isNull());
    assertThat(mean(batches.subList(STEPS - 20, STEPS))).isLessThan(-0.5);
  }

  @Test
  void shouldRecoverFromAnUnnormalizedWindowWithAdam() {
    InMemoryEventPublisher publisher = new InMemoryEventPublisher();

    TrainingRun.run(
        TrainingSpec.of("adam-window", Fault.UNNORMALIZED_INPUT)
            .withOptimizer(Optimizer.ADAM)
            .withSteps(300)
            .withFaultWindow(150, 200),
        publisher);

    List<BatchEvent> batches = publisher.batches();
    assertThat(batches.get(0).lr()).isEqualTo(Optimizer.ADAM.learningRate());
    assertThat(batches.subList(150, 200))
        .allSatisfy(b -> assertThat(b.input().max()).isGreaterThan(200));
    assertThat(mean(batches.subList(280, 300))).isLessThan(0.5 * mean(batches.subList(0, 5)));
  }

  private static double geometricMeanGradNorm(List<BatchEvent> batches) {
    return Math.exp(
        batches.stream().mapToDouble(b -> Math.log(b.gradNorm())).average().orElseThrow());
  }

  private static double mean(List<BatchEvent> batches) {
    return batches.stream().mapToDouble(BatchEvent::loss).average().orElseThrow();
  }
}
