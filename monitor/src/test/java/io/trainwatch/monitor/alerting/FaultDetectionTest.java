package io.trainwatch.monitor.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Stats;
import io.trainwatch.simulator.TrainingSimulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bar the whole monitor must meet, on simulated runs through every rule at once: each fault is
 * caught by the right rule with the right diagnosis within 5 batches of its onset, and healthy runs
 * (noisy, converged, or with a legitimately negative loss) raise nothing at all.
 */
class FaultDetectionTest {

  private static final int ONSET = 300;

  private final RunEvaluator evaluator = RunEvaluator.standard();
  private final RunSettings settings = RunSettings.defaults();

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void shouldStayQuietOnNoisySmallBatchClassifiers(long seed) {
    assertThat(
            run(
                Events.dl4jMcxent("r"),
                TrainingSimulator.healthyClassifier("r", seed).batches(0, 4000)))
        .isEmpty();
  }

  @Test
  void shouldStayQuietOnARunThatConvergesToZeroLossAndGradient() {
    TrainingSimulator sim = TrainingSimulator.healthyClassifier("r", 9);
    sim.loss(
            step ->
                2.3 * Math.exp(-step / 60.0) * Math.exp(0.3 * sim.random().nextGaussian()) + 1e-6)
        .gradNorm(
            step ->
                2.0 * Math.exp(-step / 60.0) * Math.exp(0.3 * sim.random().nextGaussian()) + 1e-12);

    assertThat(run(Events.pytorchNll("r"), sim.batches(0, 3000))).isEmpty();
  }

  @Test
  void shouldStayQuietOnLegitimatelyNegativeLosses() {
    TrainingSimulator gaussian =
        TrainingSimulator.healthyClassifier("g", 10)
            .predictions(step -> null)
            .output(step -> Stats.of(-3, 3, 0.1, 1.1, 0, 64));
    gaussian.loss(
        step -> 1.0 - 4.0 * (1 - Math.exp(-step / 300.0)) + 0.3 * gaussian.random().nextGaussian());
    TrainingSimulator cosine =
        TrainingSimulator.healthyClassifier("c", 11)
            .predictions(step -> null)
            .output(step -> Stats.of(-1, 1, 0.0, 0.4, 0, 256));
    cosine.loss(
        step -> -0.99 * (1 - Math.exp(-step / 100.0)) + 0.005 * cosine.random().nextGaussian());
    TrainingSimulator wasserstein =
        TrainingSimulator.healthyClassifier("w", 12)
            .predictions(step -> null)
            .output(step -> Stats.of(-50, 50, 0.0, 10, 0, 32));
    wasserstein.loss(step -> -0.05 * step + 0.5 * wasserstein.random().nextGaussian());

    assertThat(run(Events.gaussianNll("g"), gaussian.batches(0, 3000))).isEmpty();
    assertThat(run(Events.cosineProximity("c"), cosine.batches(0, 3000))).isEmpty();
    assertThat(
            run(
                Events.started(
                    "w",
                    "dl4j",
                    new LossDescriptor("LossWasserstein", InputKind.VALUES, "identity", null),
                    null,
                    null),
                wasserstein.batches(0, 3000)))
        .isEmpty();
  }

  @Test
  void shouldCatchSoftmaxIntoNllFromTheStartInPytorchAndDl4j() {
    for (RunStarted started : List.of(Events.pytorchNll("r"), Events.dl4jLogProbabilityLoss("r"))) {
      TrainingSimulator sim = TrainingSimulator.healthyClassifier("r", 13);
      sim.loss(
          step ->
              -(0.1 + 0.8 * (1 - Math.exp(-step / 300.0))) + 0.02 * sim.random().nextGaussian());

      List<Emission> out = run(started, sim.batches(0, 1000));

      assertThat(out)
          .as(started.framework())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.rule()).isEqualTo(RuleId.NEGATIVE_LOSS);
                assertThat(e.diagnosis()).isEqualTo("softmax_into_nll");
                assertThat(e.step()).isEqualTo(2L);
              });
    }
  }

  @Test
  void shouldCatchPixelInputsFromTheStart() {
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 14).input(step -> Events.pixels());
    sim.loss(step -> 40 * Math.exp(-step / 50.0) + 1.5 + 0.3 * sim.random().nextGaussian());

    List<Emission> out = run(Events.dl4jMcxent("r"), sim.batches(0, 1000));

    assertThat(out)
        .first()
        .satisfies(
            e -> {
              assertThat(e.rule()).isEqualTo(RuleId.UNNORMALIZED_INPUT);
              assertThat(e.diagnosis()).isEqualTo("pixel_scale");
              assertThat(e.step()).isEqualTo(2L);
            });
    assertThat(out).extracting(Emission::rule).containsOnly(RuleId.UNNORMALIZED_INPUT);
  }

  @Test
  void shouldCatchRawFeaturesThatAppearMidRun() {
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 15)
            .inputFrom(ONSET, step -> Stats.of(-12, 5400, 840, 910, 0, 640));

    assertCaught(
        run(Events.pytorchNll("r"), sim.batches(0, 600)), RuleId.UNNORMALIZED_INPUT, "raw_scale");
  }

  @Test
  void shouldCatchALossThatTurnsNonFinite() {
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 16)
            .lossFrom(
                ONSET, step -> step < ONSET + 3 ? 3.0 * Math.pow(4, step - ONSET) : Double.NaN)
            .gradNormFrom(
                ONSET,
                step ->
                    step < ONSET + 3 ? 50.0 * Math.pow(10, step - ONSET) : Double.POSITIVE_INFINITY)
            .outputFrom(ONSET + 3, step -> Events.nonfiniteOutputs(10));

    List<Emission> out = run(Events.dl4jMcxent("r"), sim.batches(0, 400));

    assertCaught(out, RuleId.NONFINITE_LOSS, "diverged");
  }

  @Test
  void shouldBlameOnlyTheNonFiniteLossForALearningRateThatExplodesFromTheFirstUpdate() {
    // The demo trainer's "diverge" fault: lr 1e6. Batch 0's loss (computed before the first update)
    // is a normal
    // ln C; then it explodes and is NaN a few steps later. Not an initialization problem.
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 23)
            .loss(step -> step == 0 ? 2.31 : step < 4 ? Math.pow(10, 3 * step) : Double.NaN)
            .gradNorm(
                step ->
                    step == 0 ? 1.4 : step < 4 ? Math.pow(10, 4 * step) : Double.POSITIVE_INFINITY)
            .outputFrom(4, step -> Events.nonfiniteOutputs(10));

    List<Emission> out = run(Events.dl4jMcxent("r"), sim.batches(0, 100));

    assertThat(out)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.rule()).isEqualTo(RuleId.NONFINITE_LOSS);
              assertThat(e.diagnosis()).isEqualTo("diverged");
              assertThat(e.step()).isEqualTo(4L);
            });
  }

  @Test
  void shouldCatchALearningRateJumpMidRunBeforeTheLossTurnsNan() {
    // The same fault with --onset-step: the loss explodes one batch after the jump, NaN five
    // batches later.
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 24)
            .lossFrom(
                ONSET + 1, step -> step < ONSET + 6 ? Math.pow(10, 2 * (step - ONSET)) : Double.NaN)
            .gradNormFrom(
                ONSET + 1, step -> step < ONSET + 6 ? Math.pow(10, 3 * (step - ONSET)) : Double.NaN)
            .outputFrom(ONSET + 6, step -> Events.nonfiniteOutputs(10));

    List<Emission> out = run(Events.dl4jMcxent("r"), sim.batches(0, 400));

    assertCaught(out, RuleId.LOSS_SPIKE, "sudden_spike");
    assertCaught(out, RuleId.EXPLODING_GRADIENT, "gradient_spike");
    assertThat(
            out.stream()
                .filter(e -> e.rule() == RuleId.NONFINITE_LOSS)
                .findFirst()
                .orElseThrow()
                .step())
        .isEqualTo(ONSET + 6L);
  }

  @Test
  void shouldCatchADivergingLoss() {
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 17)
            .lossFrom(ONSET, step -> Math.min(1e4, 1.2 * Math.pow(1.6, step - ONSET + 1)));

    List<Emission> out = run(Events.dl4jMcxent("r"), sim.batches(0, 400));

    // A warning at once; a page once it has not come back within recovery_batches (30).
    assertCaught(out, RuleId.LOSS_SPIKE, null);
    Emission page =
        out.stream().filter(e -> e.rule() == RuleId.LOSS_DIVERGENCE).findFirst().orElseThrow();
    assertThat(page.step()).isBetween(ONSET + 30L, ONSET + 35L);
    assertThat(page.evidence()).containsKeys("onset_step", "last_good_step", "restart_from_step");
  }

  @Test
  void shouldCatchExplodingGradients() {
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 18)
            .gradNormFrom(ONSET, step -> 800.0 * (1 + sim(step)));

    assertCaught(
        run(Events.dl4jMcxent("r"), sim.batches(0, 400)),
        RuleId.EXPLODING_GRADIENT,
        "gradient_spike");
  }

  @Test
  void shouldCatchVanishingGradientsWhileTheLossIsHigh() {
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 19)
            .gradNormFrom(ONSET, step -> 1e-8)
            .lossFrom(ONSET, step -> 1.9);

    assertCaught(
        run(Events.dl4jMcxent("r"), sim.batches(0, 400)),
        RuleId.VANISHING_GRADIENT,
        "gradient_vanished");
  }

  @Test
  void shouldCatchAFirstLayerThatGetsNoGradientFromTheFirstBatches() {
    // The trainer's vanishing-gradient fault: the whole norm stays up (the output layer learns),
    // the first layer gets
    // 1e-9 of it, the loss stays at ln 10.
    Random random = new Random(24);
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 24)
            .loss(step -> 2.30 + 0.01 * random.nextGaussian())
            .gradNorm(step -> 0.5 + 0.3 * random.nextDouble())
            .firstLayerShare(step -> 2.3e-10 * (1 + 7 * random.nextDouble()));

    List<Emission> out = run(Events.dl4jMcxent("r"), sim.batches(0, 50));

    Emission caught =
        out.stream().filter(e -> e.rule() == RuleId.VANISHING_GRADIENT).findFirst().orElseThrow();
    assertThat(caught.diagnosis()).isEqualTo("first_layer_gradient_vanished");
    assertThat(caught.step()).isLessThanOrEqualTo(4L);
  }

  @Test
  void shouldCatchPredictionsCollapsingToOneClass() {
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 20)
            .predictionsFrom(ONSET, step -> new Predictions(1.0, 0.0))
            .lossFrom(ONSET, step -> 2.3);

    assertCaught(
        run(Events.dl4jMcxent("r"), sim.batches(0, 400)), RuleId.OUTPUT_COLLAPSE, "single_class");
  }

  @Test
  void shouldCatchANetworkThatLearnsNothing() {
    TrainingSimulator sim = TrainingSimulator.healthyClassifier("r", 21);
    sim.loss(step -> 2.3 + 0.1 * sim.random().nextGaussian());

    List<Emission> out = run(Events.dl4jMcxent("r"), sim.batches(0, 600));

    assertThat(out)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.rule()).isEqualTo(RuleId.LOSS_PLATEAU);
              assertThat(e.diagnosis()).isEqualTo("not_learning");
              assertThat(e.step()).isBetween(275L, 325L);
            });
  }

  @Test
  void shouldGiveOneFiringAndOneResolvedForAFaultThatIsFixed() {
    TrainingSimulator sim =
        TrainingSimulator.healthyClassifier("r", 22)
            .lossFrom(ONSET, step -> step < ONSET + 50 ? -0.3 : 0.4);

    List<Emission> out = run(Events.pytorchNll("r"), sim.batches(0, 800));

    assertThat(out)
        .extracting(Emission::rule, Emission::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(RuleId.NEGATIVE_LOSS, AlertStatus.FIRING),
            org.assertj.core.groups.Tuple.tuple(RuleId.NEGATIVE_LOSS, AlertStatus.RESOLVED));
    assertThat(out.get(0).step()).isEqualTo(ONSET + 2L);
    assertThat(out.get(1).step()).isEqualTo(ONSET + 50 + 19L);
  }

  /**
   * The first alert comes from the expected rule (and diagnosis), within 5 batches of the onset,
   * none before.
   */
  private static void assertCaught(List<Emission> out, RuleId rule, String diagnosis) {
    assertThat(out).as("alerts").isNotEmpty();
    assertThat(out)
        .allSatisfy(
            e ->
                assertThat(e.step())
                    .as(e.rule() + " before the onset")
                    .isGreaterThanOrEqualTo((long) ONSET));
    Emission caught =
        out.stream()
            .filter(e -> e.rule() == rule)
            .findFirst()
            .orElseThrow(() -> new AssertionError(rule + " never fired; alerts: " + out));
    assertThat(caught.step()).as(rule + " step").isLessThanOrEqualTo(ONSET + 4L);
    if (diagnosis != null) {
      assertThat(caught.diagnosis()).isEqualTo(diagnosis);
    }
  }

  private List<Emission> run(RunStarted started, List<BatchEvent> batches) {
    RunState state = RunState.started(null, RunProfile.of(started, List.of()), started.tsMs(), 0);
    List<Emission> out = new ArrayList<>();
    for (BatchEvent b : batches) {
      out.addAll(evaluator.onBatch(state, b, settings, b.tsMs()));
    }
    return out;
  }

  private static double sim(int step) {
    return (step % 7) / 10.0;
  }
}
