package io.trainwatch.monitor.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.job.RankSample;
import io.trainwatch.monitor.testing.FleetSimulator;
import io.trainwatch.monitor.testing.JobHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * {@code straggler_rank} through the timings of a data-parallel job on an oversubscribed host, as
 * measured on real PyTorch DDP jobs ({@code traces/}): the compute (CPU clock) varies 5-10% per
 * step around a level all ranks share, which itself moves 10% from step to step; the data wait is
 * wall time, 0.3 ms normally and 5-80 ms on the steps a process is descheduled, which come in
 * bursts (a rank descheduled at one step is often descheduled at the next), on any rank, now and
 * then on one rank for most of a dozen steps; every 50 steps all ranks pause together (checkpoint).
 * A rank whose compute is slower is descheduled more often, as the host's scheduler does. Several
 * seeds, thousands of steps.
 *
 * <p>OPEN (issue 11): with main's rule the healthy jobs here get {@code slow_data} warnings from
 * the change test on the work ({@code compared_with=own_earlier_steps}, {@code change_of=work}): a
 * burst of waits in 8-12 steps is a "change" of the sum of compute and data. Judging the change on
 * the compute alone where both phases are published silences them, but then the simulators' slow
 * loader (data x3) is named 8-13 steps after its onset instead of 6-8 (FleetSimulationTest's bar is
 * 10), because the data wait's peer test alone is slower. Kept as the reproducer: remove the
 * annotation to run it.
 */
@Disabled("open: the change test on the work names scheduling bursts; see the class comment")
class DeschedulingNoiseStragglerTest {

  static final int WORLD = 4;

  /** Longest run of consecutive descheduled steps of a rank (4 in the recorded jobs). */
  static final int MAX_RUN = 6;

  @Test
  void shouldRaiseNothingOnHealthyJobsOverThousandsOfSteps() {
    for (long seed = 1; seed <= 6; seed++) {
      JobHarness h = run(new Job(seed, 0.08), 3000);
      assertThat(RealTraceStragglerTest.describe(h.firing("straggler_rank")))
          .as("seed %d", seed)
          .isEmpty();
    }
  }

  @Test
  void shouldNameATwentyPercentSlowerComputeAsComputeThroughTheWaits() {
    for (long seed = 1; seed <= 6; seed++) {
      Job job = new Job(100 + seed, 0.08);
      job.slowRank = 2;
      job.slowFrom = 400;
      job.slowdown = 0.20;
      long delay = firstNamed(job, "seed " + seed, StragglerRankRule.SLOW_COMPUTE);
      assertThat(delay).as("seed %d", seed).isLessThanOrEqualTo(30);
      System.out.printf(
          "descheduling noise, 20%% compute from step 400: named %d steps later%n", delay);
    }
  }

  @Test
  void shouldNameAFivePercentSlowerComputeWithinAFewDozenSteps() {
    for (long seed = 1; seed <= 6; seed++) {
      Job job = new Job(200 + seed, 0.04);
      job.slowRank = 2;
      job.slowFrom = 400;
      job.slowdown = 0.05;
      long delay = firstNamed(job, "seed " + seed, StragglerRankRule.SLOW_COMPUTE);
      assertThat(delay).as("seed %d", seed).isLessThanOrEqualTo(100);
      System.out.printf(
          "descheduling noise, 5%% compute from step 400: named %d steps later%n", delay);
    }
  }

  @Test
  void shouldNameASlowLoaderAsDataThroughTheWaits() {
    for (long seed = 1; seed <= 6; seed++) {
      Job job = new Job(300 + seed, 0.08);
      job.slowRank = 2;
      job.slowFrom = 400;
      job.extraDataMs = 1.0; // half the work: a loader that waits 1 ms more at every step
      long delay = firstNamed(job, "seed " + seed, StragglerRankRule.SLOW_DATA);
      assertThat(delay).as("seed %d", seed).isLessThanOrEqualTo(30);
      System.out.printf(
          "descheduling noise, +1 ms data from step 400: named %d steps later%n", delay);
    }
  }

  /** Steps from the onset to the first alert, which must name the slow rank and the phase. */
  private static long firstNamed(Job job, String what, String diagnosis) {
    JobHarness h = run(job, job.slowFrom + 300);
    List<JobHarness.Emitted> fired = h.firing("straggler_rank");
    List<String> all = RealTraceStragglerTest.describe(fired);
    assertThat(all).as(what).isNotEmpty();
    JobHarness.Emitted first = fired.get(0);
    assertThat(first.step()).as("%s: %s", what, all).isGreaterThanOrEqualTo(job.slowFrom);
    assertThat(first.emission().rank()).as("%s: %s", what, all).isEqualTo(job.slowRank);
    assertThat(first.emission().emission().diagnosis())
        .as("%s: %s", what, all)
        .isEqualTo(diagnosis);
    assertThat(fired.stream().filter(e -> e.emission().rank() != job.slowRank).toList())
        .as("%s: %s", what, all)
        .isEmpty();
    return first.step() - job.slowFrom;
  }

  private static JobHarness run(Job job, int steps) {
    JobHarness h = new JobHarness("job-" + job.seed, WORLD, RunSettings.defaults());
    for (int step = 0; step < steps; step++) {
      h.deliverAll(job.step(step));
    }
    return h;
  }

  /** The timings of one job, step by step. */
  static final class Job {
    final long seed;
    final Random rnd;
    final double rankSigma;
    final boolean[] descheduled = new boolean[WORLD];
    final int[] run = new int[WORLD];
    final int[] badUntil = new int[WORLD];
    long ts = 1_000_000;
    int slowRank = -1;
    int slowFrom = Integer.MAX_VALUE;
    double slowdown;
    double extraDataMs;

    Job(long seed, double rankSigma) {
      this.seed = seed;
      this.rnd = new Random(seed);
      this.rankSigma = rankSigma;
    }

    List<FleetSimulator.Report> step(int step) {
      double shared = 2.0 * Math.exp(0.10 * rnd.nextGaussian());
      double[] compute = new double[WORLD];
      double[] data = new double[WORLD];
      double slowest = 0;
      for (int r = 0; r < WORLD; r++) {
        boolean slow = r == slowRank && step >= slowFrom;
        compute[r] = shared * Math.exp(rankSigma * rnd.nextGaussian()) * (slow ? 1 + slowdown : 1);
        // Now and then one rank is descheduled on most steps of a dozen (rank 1 of
        // prev4-t1-healthy, steps 7-18: 8 of 12): here on each with probability 0.6, about once
        // in 300 steps a rank, a few times more often than in the recorded jobs. A rank that
        // waits 10-40 ms at every step for 8 steps and more cannot be told from a loader that
        // slowed down (which must be named within 10 steps): the recorded jobs show runs of at
        // most 5 in 8 and 4 in a row, so runs stop at MAX_RUN.
        if (step >= badUntil[r] && rnd.nextDouble() < 0.003) {
          badUntil[r] = step + 12;
        }
        // Outside those, a rank descheduled at one step is so at the next one time in two.
        double p =
            step < badUntil[r] ? 0.6 : descheduled[r] ? 0.5 : slow && slowdown > 0 ? 0.2 : 0.07;
        descheduled[r] = rnd.nextDouble() < p && run[r] < MAX_RUN;
        run[r] = descheduled[r] ? run[r] + 1 : 0;
        data[r] =
            descheduled[r]
                ? 15 * Math.exp(0.8 * rnd.nextGaussian())
                : 0.3 * Math.exp(0.3 * rnd.nextGaussian());
        if (slow) {
          data[r] += extraDataMs;
        }
        if (step > 0 && step % 50 == 0) {
          data[r] += 400 + 50 * rnd.nextDouble(); // everyone waits for the checkpoint
        }
        slowest = Math.max(slowest, compute[r] + data[r]);
      }
      List<FleetSimulator.Report> out = new ArrayList<>();
      double stepMs = slowest + 20;
      ts += (long) stepMs;
      for (int r = 0; r < WORLD; r++) {
        RankSample s =
            RankSample.of(step, ts + r, stepMs, step == 0 ? null : data[r], compute[r], 2.0, 1.0);
        out.add(new FleetSimulator.Report(r, s, ts + r));
      }
      return out;
    }
  }
}
