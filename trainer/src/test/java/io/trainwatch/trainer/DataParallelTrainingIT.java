package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real 4-rank DL4J data-parallel jobs, each rank published to memory. */
class DataParallelTrainingIT {

  private static final int WORLD = 4;

  private static DataParallelTraining.Spec spec(String job, int steps) {
    return DataParallelTraining.Spec.of(
            job, WORLD, TrainingSpec.of(job, Fault.NONE).withSteps(steps))
        .withHosts(List.of("h0", "h1", "h2", "h3"));
  }

  private static List<InMemoryEventPublisher> publishers() {
    List<InMemoryEventPublisher> out = new ArrayList<>();
    for (int r = 0; r < WORLD; r++) {
      out.add(new InMemoryEventPublisher());
    }
    return out;
  }

  @Test
  void shouldPublishEveryRankAsItsRankWithItsPhases() throws Exception {
    List<InMemoryEventPublisher> p = publishers();

    DataParallelTraining.Report report = DataParallelTraining.run(spec("dp-healthy", 30), p::get);

    assertThat(report.hung()).isFalse();
    for (int r = 0; r < WORLD; r++) {
      assertThat(report.ranks().get(r).status()).isEqualTo(RunStatus.COMPLETED);
      RunStarted started = (RunStarted) p.get(r).events().get(0);
      assertThat(started.runId()).isEqualTo("dp-healthy-a0-r" + r);
      assertThat(started.job()).isEqualTo("dp-healthy");
      assertThat(started.rank()).isEqualTo(r);
      assertThat(started.worldSize()).isEqualTo(WORLD);
      assertThat(started.host()).isEqualTo("h" + r);
      assertThat(started.device()).isEqualTo("cpu:" + r);
      assertThat(started.attempt()).isZero();
      List<BatchEvent> batches = p.get(r).batches();
      assertThat(batches).hasSize(30);
      assertThat(batches.subList(1, 30))
          .allSatisfy(
              b -> {
                assertThat(b.stepMs()).isPositive();
                assertThat(b.dataMs()).isNotNegative();
                assertThat(b.computeMs()).isPositive();
                assertThat(b.batchSize()).isEqualTo(TrainingSpec.DEFAULT_BATCH_SIZE);
              });
      assertThat(p.get(r).events().get(p.get(r).events().size() - 1))
          .isInstanceOfSatisfying(
              RunEnded.class, e -> assertThat(e.status()).isEqualTo(RunStatus.COMPLETED));
    }
    // Different shards: the ranks' first losses differ.
    assertThat(p.get(0).batches().get(0).loss()).isNotEqualTo(p.get(1).batches().get(0).loss());
  }

  @Test
  void shouldSpreadOneRanksNanToEveryRankThroughTheAllReduce() throws Exception {
    List<InMemoryEventPublisher> p = publishers();

    DataParallelTraining.run(spec("dp-nan", 16).withFault(JobFault.nanRank(1, 10)), p::get);

    for (int r = 0; r < WORLD; r++) {
      List<BatchEvent> b = p.get(r).batches();
      assertThat(b.subList(0, 10)).allSatisfy(e -> assertThat(e.loss()).isFinite());
      assertThat(Double.isNaN(b.get(10).loss())).as("rank " + r + " at step 10").isEqualTo(r == 1);
      assertThat(b.subList(11, 16)).allSatisfy(e -> assertThat(e.loss()).isNaN());
    }
  }

  @Test
  void shouldLeaveTheHungRankBehindAndEveryRankSilent() throws Exception {
    List<InMemoryEventPublisher> p = publishers();

    DataParallelTraining.Report report =
        DataParallelTraining.run(spec("dp-hang", 40).withFault(JobFault.hang(3, 12)), p::get);

    assertThat(report.hung()).isTrue();
    for (int r = 0; r < WORLD; r++) {
      List<BatchEvent> b = p.get(r).batches();
      assertThat(b.get(b.size() - 1).step()).as("rank " + r).isEqualTo(r == 3 ? 11 : 12);
      assertThat(p.get(r).events()).noneMatch(e -> e instanceof RunEnded);
      assertThat(report.ranks().get(r).status()).isNull();
    }
  }

  @Test
  void shouldRefuseAFaultOutsideTheJob() {
    assertThatThrownBy(() -> spec("dp", 10).withFault(JobFault.hang(4, 5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("worldSize");
    assertThatThrownBy(() -> spec("dp", 10).withFault(JobFault.nanRank(0, 10)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> spec("dp", 10).withFault(JobFault.slowCompute(0, 5, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("factor");
    assertThatThrownBy(() -> spec("dp", 10).withFault(JobFault.slowData(0, 5, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slow-data");
    assertThatThrownBy(
            () ->
                DataParallelTraining.Spec.of(
                    "dp", WORLD, TrainingSpec.of("dp", Fault.DIVERGE).withSteps(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RankFault");
  }
}
