package io.trainwatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SimulatorTest {

  @Test
  void shouldGiveTheSameBatchesForTheSameSeed() {
    assertThat(TrainingSimulator.healthyClassifier("r", 3).batches(0, 50))
        .isEqualTo(TrainingSimulator.healthyClassifier("r", 3).batches(0, 50))
        .isNotEqualTo(TrainingSimulator.healthyClassifier("r", 4).batches(0, 50));
  }

  @Test
  void shouldReplaceAPartFromItsOnsetOnly() {
    List<BatchEvent> batches =
        TrainingSimulator.healthyClassifier("r", 1).lossFrom(10, step -> -0.5).batches(0, 20);

    assertThat(batches.subList(0, 10)).allSatisfy(b -> assertThat(b.loss()).isPositive());
    assertThat(batches.subList(10, 20)).allSatisfy(b -> assertThat(b.loss()).isEqualTo(-0.5));
    assertThat(batches.get(7).tsMs())
        .isEqualTo(TrainingSimulator.T0 + 7 * TrainingSimulator.STEP_MS);
    assertThat(batches.get(7).firstLayerGradNorm()).isLessThan(batches.get(7).gradNorm());
  }

  @Test
  void shouldLeaveOutTheFirstLayerNormWhenTheTrainerDoesNotReportIt() {
    BatchEvent b = TrainingSimulator.healthyClassifier("r", 1).firstLayerShare(null).batch(5, 42);

    assertThat(b.firstLayerGradNorm()).isNull();
    assertThat(b.tsMs()).isEqualTo(42);
  }

  @ParameterizedTest
  @EnumSource(RunProfile.class)
  void shouldShowEachProfilesSignature(RunProfile profile) {
    for (long seed = 0; seed < 20; seed++) {
      SimulatedRun run = new SimulatedRun("r" + seed, (int) seed, profile, seed);
      List<BatchEvent> batches = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        batches.add(run.nextBatch(1_000 + i));
      }
      assertThat(batches).extracting(BatchEvent::step).doesNotHaveDuplicates();
      switch (profile) {
        case HEALTHY ->
            assertThat(batches)
                .allSatisfy(
                    b -> {
                      assertThat(b.loss()).isPositive();
                      assertThat(b.input().max()).isLessThan(3);
                    });
        case GAUSSIAN_NLL -> {
          assertThat(run.started(0).loss().lowerBound()).isNull();
          assertThat(batches.get(79).loss()).isNegative();
        }
        case SOFTMAX_INTO_NLL -> {
          assertThat(run.started(0).loss().inputKind()).isEqualTo(InputKind.LOG_PROBABILITIES);
          assertThat(batches).allSatisfy(b -> assertThat(b.loss()).isBetween(-1.0, 0.0));
        }
        case UNNORMALIZED_INPUT ->
            assertThat(batches).allSatisfy(b -> assertThat(b.input().max()).isEqualTo(255));
        case DIVERGING -> {
          // Diverges between steps 20 and 59, non-finite 13 steps later: by step 72.
          BatchEvent last = batches.get(79);
          assertThat(last.loss()).isNaN();
          assertThat(last.output().nonfinite()).isEqualTo(last.output().count());
          assertThat(last.gradNorm()).isInfinite();
          assertThat(batches.get(10).loss()).isFinite();
        }
      }
    }
  }
}
