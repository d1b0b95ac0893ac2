package io.trainwatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.schemas.RunStarted;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedJobTest {

  private static final List<String> HOSTS =
      List.of("node-a", "node-a", "node-a", "node-a", "node-b", "node-b", "node-b", "node-b");

  @Test
  void shouldDescribeEachRankOfTheJob() {
    SimulatedJob job = new SimulatedJob("j", HOSTS, 1, JobFault.NONE);

    RunStarted r5 = job.started(5, 1000);

    assertThat(r5.runId()).isEqualTo("j-r5");
    assertThat(r5.job()).isEqualTo("j");
    assertThat(r5.rank()).isEqualTo(5);
    assertThat(r5.worldSize()).isEqualTo(8);
    assertThat(r5.host()).isEqualTo("node-b");
    assertThat(r5.device()).isEqualTo("cuda:5");
  }

  @Test
  void shouldGiveTheSameRankValuesForAStepWhateverTheOrderAsked() {
    SimulatedJob a = new SimulatedJob("j", HOSTS, 7, JobFault.NONE);
    SimulatedJob b = new SimulatedJob("j", HOSTS, 7, JobFault.NONE);
    BatchEvent first = a.batch(3, 40, 1);
    a.batch(0, 2, 1);
    BatchEvent again = a.batch(3, 40, 1);
    BatchEvent other = b.batch(3, 40, 1);

    for (BatchEvent e : List.of(again, other)) {
      assertThat(e.loss()).isEqualTo(first.loss()).isEqualTo(a.loss(3, 40));
      assertThat(e.stepMs()).isEqualTo(first.stepMs());
      assertThat(e.computeMs()).isEqualTo(first.computeMs());
      assertThat(e.dataMs()).isEqualTo(first.dataMs());
      assertThat(e.gradNorm()).isEqualTo(first.gradNorm());
    }
  }

  @Test
  void shouldTimeAStepByItsSlowestRankAndShareItsGradientNorm() {
    SimulatedJob job = new SimulatedJob("j", HOSTS, 2, JobFault.NONE);
    for (long step = 0; step < 50; step++) {
      double slowest = 0;
      List<BatchEvent> ranks = new ArrayList<>();
      for (int r = 0; r < 8; r++) {
        BatchEvent b = job.batch(r, step, 0);
        ranks.add(b);
        slowest = Math.max(slowest, b.computeMs() + b.dataMs());
      }
      double expected = slowest + SimulatedJob.ALL_REDUCE_MS;
      assertThat(ranks).allSatisfy(b -> assertThat(b.stepMs()).isEqualTo(expected));
      assertThat(ranks)
          .allSatisfy(b -> assertThat(b.gradNorm()).isEqualTo(ranks.get(0).gradNorm()));
    }
  }

  @Test
  void shouldSlowTheStragglerFromItsOnsetOnly() {
    SimulatedJob healthy = new SimulatedJob("j", HOSTS, 3, JobFault.NONE);
    SimulatedJob slow =
        new SimulatedJob("j", HOSTS, 3, new JobFault(RankFault.SLOW_COMPUTE, 2, 10, 1.2));

    assertThat(slow.batch(2, 9, 0).computeMs()).isEqualTo(healthy.batch(2, 9, 0).computeMs());
    assertThat(slow.batch(2, 10, 0).computeMs())
        .isCloseTo(
            1.2 * healthy.batch(2, 10, 0).computeMs(), org.assertj.core.data.Offset.offset(1e-9));
    assertThat(slow.batch(1, 10, 0).computeMs()).isEqualTo(healthy.batch(1, 10, 0).computeMs());
  }

  @Test
  void shouldTurnOneRankNanFirstThenAll() {
    SimulatedJob job = new SimulatedJob("j", HOSTS, 4, new JobFault(RankFault.NAN_RANK, 6, 20, 1));

    assertThat(job.loss(6, 19)).isFinite();
    assertThat(job.loss(6, 20)).isNaN();
    assertThat(job.loss(5, 20)).isFinite();
    assertThat(job.loss(5, 21)).isNaN();
    assertThat(job.batch(0, 21, 0).gradNorm()).isNaN();
  }

  @Test
  void shouldStopTheHungRankFirstThenTheOthers() {
    SimulatedJob job = new SimulatedJob("j", HOSTS, 5, new JobFault(RankFault.HANG, 6, 30, 1));

    assertThat(job.reports(6, 29)).isTrue();
    assertThat(job.reports(6, 30)).isFalse();
    assertThat(job.reports(0, 30)).isTrue();
    assertThat(job.reports(0, 31)).isFalse();
  }

  @Test
  void shouldDecayTheLossWithoutAlarmingNoise() {
    SimulatedJob job = new SimulatedJob("j", HOSTS, 6, JobFault.NONE);
    double early = 0;
    double late = 0;
    for (int r = 0; r < 8; r++) {
      early += job.loss(r, 0);
      late += job.loss(r, 1000);
    }
    assertThat(late).isLessThan(early * 0.6);
  }
}
