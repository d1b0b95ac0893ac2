package io.trainwatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RankFault;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SynchronousJobTest {

  /** No jitter (every normal draw 0), a hiccup when {@code uniform} is below 1%. */
  private static SynchronousJob.Noise flat(double uniform, List<String> draws) {
    return new SynchronousJob.Noise() {
      @Override
      public double gaussian() {
        draws.add("g");
        return 0;
      }

      @Override
      public double uniform() {
        draws.add("u");
        return uniform;
      }
    };
  }

  @Test
  void shouldDrawComputeDataAndHiccupPerRankInRankOrder() {
    List<String> draws = new ArrayList<>();
    SynchronousJob job = new SynchronousJob(3, JobFault.NONE);

    double slowest = job.time(0, flat(0.5, draws), r -> 100 + r, 10, 1);

    assertThat(draws).containsExactly("g", "g", "u", "g", "g", "u", "g", "g", "u");
    assertThat(job.computeMs(2)).isEqualTo(102);
    assertThat(job.dataMs(2)).isEqualTo(10);
    assertThat(slowest).isEqualTo(112);
  }

  @Test
  void shouldHiccupScaleAndSlowTheFaultyRankFromItsOnset() {
    SynchronousJob job = new SynchronousJob(4, new JobFault(RankFault.SLOW_COMPUTE, 1, 10, 1.5));

    job.time(9, flat(0.5, new ArrayList<>()), r -> 100, 10, 1);
    assertThat(job.computeMs(1)).isEqualTo(100);

    double slowest = job.time(10, flat(0.5, new ArrayList<>()), r -> 100, 10, 2);
    assertThat(job.computeMs(0)).isEqualTo(200);
    assertThat(job.computeMs(1)).isEqualTo(300);
    assertThat(slowest).isEqualTo(310);

    job.time(11, flat(0.001, new ArrayList<>()), r -> 100, 10, 1);
    assertThat(job.dataMs(3)).isEqualTo(100);
  }

  @Test
  void shouldSlowTheDataOfTheFaultyRankOnly() {
    SynchronousJob job = new SynchronousJob(2, new JobFault(RankFault.SLOW_DATA, 0, 0, 3));

    job.time(5, flat(0.5, new ArrayList<>()), r -> 100, 10, 1);

    assertThat(job.dataMs(0)).isEqualTo(30);
    assertThat(job.dataMs(1)).isEqualTo(10);
    assertThat(job.computeMs(0)).isEqualTo(100);
  }

  @Test
  void shouldStopTheHungRankAtTheOnsetAndItsPeersAStepLater() {
    JobFault hang = new JobFault(RankFault.HANG, 2, 30, 1);

    assertThat(hang.reports(2, 29)).isTrue();
    assertThat(hang.reports(2, 30)).isFalse();
    assertThat(hang.reports(0, 30)).isTrue();
    assertThat(hang.reports(0, 31)).isFalse();
    assertThat(JobFault.NONE.reports(2, Long.MAX_VALUE)).isTrue();
  }

  @Test
  void shouldTurnTheFaultyRankNanAtTheOnsetAndEveryRankAStepLater() {
    JobFault nan = new JobFault(RankFault.NAN_RANK, 1, 20, 1);

    assertThat(nan.loss(1, 19, 0.5)).isEqualTo(0.5);
    assertThat(nan.loss(1, 20, 0.5)).isNaN();
    assertThat(nan.loss(0, 20, 0.5)).isEqualTo(0.5);
    assertThat(nan.loss(0, 21, 0.5)).isNaN();
    assertThat(nan.gradNorm(20, 1.0)).isEqualTo(1.0);
    assertThat(nan.gradNorm(21, 1.0)).isNaN();
    assertThat(JobFault.NONE.loss(0, 21, 0.5)).isEqualTo(0.5);
  }

  @Test
  void shouldRefuseAFaultWithoutARankOrAnOnset() {
    assertThatThrownBy(() -> new JobFault(RankFault.HANG, -1, 10, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new JobFault(RankFault.SLOW_COMPUTE, 0, -1, 1.2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new JobFault(null, 0, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldDrawTheSameTimesFromTheSameSeed() {
    SynchronousJob a = new SynchronousJob(8, JobFault.NONE);
    SynchronousJob b = new SynchronousJob(8, JobFault.NONE);

    double sa = a.time(3, SynchronousJob.Noise.of(new Random(5)), r -> 80, 10, 1);
    double sb = b.time(3, SynchronousJob.Noise.of(new Random(5)), r -> 80, 10, 1);

    assertThat(sa).isEqualTo(sb).isGreaterThan(0);
    assertThat(a.computeMs(7)).isEqualTo(b.computeMs(7));
  }
}
