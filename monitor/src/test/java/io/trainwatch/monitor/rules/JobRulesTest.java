package io.trainwatch.monitor.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.fleet.HostState;
import io.trainwatch.monitor.fleet.Implication;
import io.trainwatch.monitor.job.JobCodec;
import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankSample;
import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.job.StepStats;
import io.trainwatch.monitor.job.Verdict;
import io.trainwatch.monitor.run.AlertTrack;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The job- and fleet-level rules one by one, on hand-built states: what fires, what must not. */
class JobRulesTest {

  private final RunSettings defaults = RunSettings.defaults();

  // straggler_rank

  @Test
  void shouldNameAStragglerAndItsPhase() {
    RankState slow = judged(32, 0.15, 0.0, 0.03);
    Optional<Finding> f = Rules.straggler().evaluate(slow, defaults.get(RuleId.STRAGGLER_RANK));
    assertThat(f).isPresent();
    assertThat(f.get().diagnosis()).isEqualTo(StragglerRankRule.SLOW_COMPUTE);
    assertThat((double) f.get().evidence().get("slowdown"))
        .isBetween(0.10, 0.22); // the first window that qualifies: 8 noisy steps
  }

  @Test
  void shouldNameASlowDataLoaderAsData() {
    RankState slow = judged(32, 0.15, 0.14, 0.03);
    assertThat(Rules.straggler().evaluate(slow, defaults.get(RuleId.STRAGGLER_RANK)))
        .get()
        .extracting(Finding::diagnosis)
        .isEqualTo(StragglerRankRule.SLOW_DATA);
  }

  @Test
  void shouldNotCallAHealthyRankWithJitterOrAOnePercentOffsetSlow() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      RankState r = new RankState("r", 1, "h", "d");
      for (int step = 0; step < 64; step++) {
        judge(r, step, 0.01 + 0.033 * rnd.nextGaussian(), 0, 0.033);
      }
      assertThat(Rules.straggler().evaluate(r, defaults.get(RuleId.STRAGGLER_RANK)))
          .as("trial %d", trial)
          .isEmpty();
    }
  }

  @Test
  void shouldNotCallARankSlowerForGoodAStragglerButNameOneThatChanged() {
    RuleSettings s = defaults.get(RuleId.STRAGGLER_RANK);
    Random rnd = new Random(11);
    // 3.5% slower than its peers all along (a slower device, the host's drift): not a straggler.
    RankState steady = new RankState("r", 1, "h", "d");
    for (int step = 0; step < 400; step++) {
      judge(steady, step, 0.035 + 0.033 * rnd.nextGaussian(), 0, 0.033);
      assertThat(Rules.straggler().evaluate(steady, s)).as("step %d", step).isEmpty();
    }
    // A rank 2% slower becomes 5% slower than it was at step 100: named, as a change.
    RankState changed = new RankState("r", 1, "h", "d");
    Optional<Finding> f = Optional.empty();
    int step = 0;
    for (; step < 400 && f.isEmpty(); step++) {
      judge(changed, step, 0.02 + (step >= 100 ? 0.05 : 0) + 0.033 * rnd.nextGaussian(), 0, 0.033);
      f = Rules.straggler().evaluate(changed, s);
      if (step < 100) {
        assertThat(f).as("step %d", step).isEmpty();
      }
    }
    assertThat(f).isPresent();
    assertThat(step - 100).isLessThanOrEqualTo(50);
    assertThat(f.get().evidence())
        .containsEntry("compared_with", "own_earlier_steps")
        .containsEntry("phase", "compute");
    assertThat((double) f.get().evidence().get("change")).isBetween(0.03, 0.12);
  }

  @Test
  void shouldNotNameAFastDeviceThatDriftsBackToItsPeers() {
    RuleSettings s = defaults.get(RuleId.STRAGGLER_RANK);
    Random rnd = new Random(5);
    // 5% faster than its peers, then from step 100 only 1% slower: a 6% change, but the rank is
    // not slower than its job's median by anything that makes it a straggler.
    RankState drifted = new RankState("r", 1, "h", "d");
    for (int step = 0; step < 300; step++) {
      judge(drifted, step, (step < 100 ? -0.05 : 0.01) + 0.01 * rnd.nextGaussian(), 0, 0.01);
      assertThat(Rules.straggler().evaluate(drifted, s)).as("step %d", step).isEmpty();
    }
    // The same device becoming 4% slower than its peers is one.
    RankState slowed = new RankState("r", 1, "h", "d");
    Optional<Finding> f = Optional.empty();
    for (int step = 0; step < 300 && f.isEmpty(); step++) {
      judge(slowed, step, (step < 100 ? -0.05 : 0.04) + 0.01 * rnd.nextGaussian(), 0, 0.01);
      f = Rules.straggler().evaluate(slowed, s);
    }
    assertThat(f).isPresent();
    assertThat(f.get().evidence()).containsEntry("compared_with", "own_earlier_steps");
  }

  @Test
  void shouldKeepTheBaselineAcrossAnEncodeDecodeRoundTrip() {
    RankState r = judged(100, 0.01, 0, 0.03);
    Rules.straggler().evaluate(r, defaults.get(RuleId.STRAGGLER_RANK));
    RankState back = JobCodec.decodeRank(JobCodec.encode(r));
    assertThat(back.baseline()).isEqualTo(r.baseline());
    assertThat(back.peerSigma()).isEqualTo(r.peerSigma());
    assertThat(back.windowSize()).isEqualTo(RankState.WINDOW);
  }

  @Test
  void shouldWaitForEnoughSteps() {
    assertThat(
            Rules.straggler()
                .evaluate(judged(7, 0.5, 0, 0.01), defaults.get(RuleId.STRAGGLER_RANK)))
        .isEmpty();
  }

  // rank_divergence

  @Test
  void shouldFireAtOnceWhenOneRankAloneIsNonFinite() {
    StepStats step = step(8, r -> r == 3 ? Float.NaN : 2.0f + r * 0.01f);
    RankState rank = new RankState("r3", 3, "h", "cuda:3");
    Optional<Finding> f =
        Rules.divergence()
            .evaluate(
                rank,
                Verdict.judge(3, sample(Float.NaN), step),
                defaults.get(RuleId.RANK_DIVERGENCE));
    assertThat(f)
        .get()
        .extracting(Finding::diagnosis)
        .isEqualTo(RankDivergenceRule.NONFINITE_ON_RANK);
    assertThat(RankDivergenceRule.immediate(f.get())).isTrue();
  }

  @Test
  void shouldLeaveAJobWhoseRanksAreAllNonFiniteToNonFiniteLoss() {
    StepStats step = step(8, r -> Float.NaN);
    RankState rank = new RankState("r3", 3, "h", "cuda:3");
    assertThat(
            Rules.divergence()
                .evaluate(
                    rank,
                    Verdict.judge(3, sample(Float.NaN), step),
                    defaults.get(RuleId.RANK_DIVERGENCE)))
        .isEmpty();
  }

  @Test
  void shouldFlagALossOutlierButNotBatchNoise() {
    StepStats step = step(8, r -> 2.0f + (r % 3) * 0.1f);
    RankState rank = new RankState("r7", 7, "h", "cuda:7");
    RuleSettings s = defaults.get(RuleId.RANK_DIVERGENCE);
    assertThat(Rules.divergence().evaluate(rank, Verdict.judge(7, sample(5.0f), step), s))
        .get()
        .extracting(Finding::diagnosis)
        .isEqualTo(RankDivergenceRule.LOSS_OUTLIER);
    assertThat(Rules.divergence().evaluate(rank, Verdict.judge(7, sample(2.25f), step), s))
        .isEmpty();
  }

  @Test
  void shouldNotJudgeARankOutOfLineWhenAPeerIsAsFarOutAtTheSameStep() {
    // A real 4-rank PyTorch DDP job (trainwatch.ddp --scenario diverge) whose learning rate jumped:
    // losses near zero spread over 7 orders of magnitude, then the ranks blow up a step apart.
    // Rank 3 was out of line at steps 89, 90 and 91, each time with another rank as far out.
    float[][] steps = {
      {3.651e-7f, 8.941e-8f, 0.4893f, 6.041e-4f},
      {3.502e-7f, 0.2357f, 1.378e-7f, 7.241e-5f},
      {0.03716f, 1.179f, 3.725e-9f, 0.9899f}
    };
    RankState rank = new RankState("r3", 3, "h", "cpu:3");
    RuleSettings s = defaults.get(RuleId.RANK_DIVERGENCE);
    for (float[] losses : steps) {
      StepStats step = step(4, r -> losses[r]);
      Verdict v = Verdict.judge(3, sample(losses[3]), step);
      assertThat(Rules.divergence().evaluate(rank, v, s)).as("out of line by the test").isPresent();
      assertThat(Rules.divergence().judges(v, s)).as("but not alone: not judged").isFalse();
    }
    // One rank alone out of line, its peers tight or merely noisy: judged, and an outlier.
    StepStats alone = step(4, r -> r == 3 ? 2.3f : 0.05f + r * 0.004f);
    Verdict v = Verdict.judge(3, sample(2.3f), alone);
    assertThat(Rules.divergence().judges(v, s)).isTrue();
    assertThat(Rules.divergence().evaluate(rank, v, s))
        .get()
        .extracting(Finding::diagnosis)
        .isEqualTo(RankDivergenceRule.LOSS_OUTLIER);
    // A non-finite value is always judged, whatever the peers do.
    StepStats nan = step(4, r -> r == 3 ? Float.NaN : r == 1 ? 50f : 0.05f);
    assertThat(Rules.divergence().judges(Verdict.judge(3, sample(Float.NaN), nan), s)).isTrue();
  }

  @Test
  void shouldFlagAGradNormAnOrderOfMagnitudeOffButNotTheBatchToBatchSpreadOfHealthyTraining() {
    // Near convergence: 7 peers tight at 0.12, one rank's batch at 4x (seen in real DL4J jobs).
    StepStats step = new StepStats();
    for (int r = 0; r < 8; r++) {
      step.add(r, new RankSample(5, 5, 100, 90, 10, 110, 0.02f, 0.12f + r * 0.001f, true));
    }
    RankState rank = new RankState("r7", 7, "h", "cuda:7");
    RuleSettings s = defaults.get(RuleId.RANK_DIVERGENCE);
    for (float healthy : new float[] {0.5f, 0.03f}) {
      assertThat(Rules.divergence().evaluate(rank, Verdict.judge(7, grad(healthy), step), s))
          .as("grad norm %s against peers at 0.12", healthy)
          .isEmpty();
    }
    for (float faulty : new float[] {1.5f, 0.01f}) {
      assertThat(Rules.divergence().evaluate(rank, Verdict.judge(7, grad(faulty), step), s))
          .as("grad norm %s against peers at 0.12", faulty)
          .get()
          .extracting(Finding::diagnosis)
          .isEqualTo(RankDivergenceRule.GRAD_NORM_OUTLIER);
    }
  }

  private static RankSample grad(float gradNorm) {
    return new RankSample(5, 5, 100, 90, 10, 110, 0.02f, gradNorm, true);
  }

  // job_hang

  @Test
  void shouldNameTheRankBehindWhenNoRankAdvances() {
    JobState job = new JobState();
    List<RankState> ranks = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      job.learn(0, 4, r, "pytorch", true);
      RankState rank = new RankState("run" + r, r, "node-" + r, "cuda:" + r);
      for (int step = 0; step < (r == 2 ? 9 : 10); step++) {
        RankSample s = RankSample.of(step, 1000L * step, 100.0, 1.0, 90.0, 2.0, 1.0);
        job.observe(s, rank.observe(s, 1000L * step), 1000L * step);
      }
      ranks.add(rank);
    }
    RuleSettings s = defaults.get(RuleId.JOB_HANG);
    long last = job.progressWallMs();
    assertThat(Rules.hang().evaluateAt(job, () -> ranks, last + 59_000, 0, s)).isEmpty();
    Finding f = Rules.hang().evaluateAt(job, () -> ranks, last + 60_000, 0, s).orElseThrow();
    assertThat(f.diagnosis()).isEqualTo(JobHangRule.JOB_STOPPED);
    assertThat(f.evidence())
        .containsEntry("rank", 2)
        .containsEntry("host", "node-2")
        .containsEntry("behind_count", 1)
        .containsEntry("culprit_run_id", "run2");
    // A monitor that just started watching does not call the job silent.
    assertThat(Rules.hang().evaluateAt(job, () -> ranks, last + 60_000, last + 30_000, s))
        .isEmpty();
  }

  @Test
  void shouldNotCallAJobHungWhileTheMonitorIsBehindOnSomeRanks() {
    // Seen on a real 4-rank PyTorch job while a restarted monitor caught up a backlog: rank 3's
    // partition was read up to step 108, ranks 0-2's only up to steps 1-2, and nothing of the job
    // came for 15 s. A synchronous job's ranks never drift apart that far: the others were not
    // hung, their reports were waiting to be read.
    JobState job = new JobState();
    List<RankState> ranks = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      job.learn(0, 4, r, "pytorch", true);
      RankState rank = new RankState("run" + r, r, "vm", "cpu:" + r);
      int last = r == 3 ? 108 : r == 0 ? 2 : 1;
      for (int step = 0; step <= last; step++) {
        RankSample s = RankSample.of(step, 200L * step, 100.0, 1.0, 90.0, 2.0, 1.0);
        job.observe(s, rank.observe(s, 1000L * step), 1000L * step);
      }
      ranks.add(rank);
    }
    RuleSettings s = defaults.get(RuleId.JOB_HANG).with("min_seconds", 15);
    long last = job.progressWallMs();
    assertThat(Rules.hang().evaluateAt(job, () -> ranks, last + 60_000, 0, s)).isEmpty();
    // Once the lagging ranks' reports are in and every rank stopped near step 108, it is a hang.
    for (RankState rank : ranks.subList(0, 3)) {
      for (long step = rank.lastStep() + 1; step <= (rank.rank() == 2 ? 107 : 108); step++) {
        RankSample x = RankSample.of(step, 200L * step, 100.0, 1.0, 90.0, 2.0, 1.0);
        job.observe(x, rank.observe(x, last + 1000), last + 1000);
      }
    }
    Finding f = Rules.hang().evaluateAt(job, () -> ranks, last + 17_000, 0, s).orElseThrow();
    assertThat(f.diagnosis()).isEqualTo(JobHangRule.JOB_STOPPED);
    assertThat(f.evidence()).containsEntry("rank", 2).containsEntry("culprit_basis", "behind");
  }

  @Test
  void shouldSayTheCulpritIsUnknownWhenEveryRankStoppedAtTheSameStep() {
    JobState job = new JobState();
    List<RankState> ranks = stoppedAtTheSameStep(job);
    Finding f =
        Rules.hang()
            .evaluateAt(
                job, () -> ranks, job.progressWallMs() + 60_000, 0, defaults.get(RuleId.JOB_HANG))
            .orElseThrow();
    // Rank 3 reported last and rank 0 first, by chance: step reports cannot tell who hangs.
    assertThat(f.evidence())
        .containsEntry("behind_count", 0)
        .containsEntry("culprit_basis", "none")
        .containsEntry("rank", null)
        .containsEntry("host", null)
        .containsEntry("culprit_run_id", "run0");
    assertThat((String) f.evidence().get("culprit_unknown"))
        .contains("all 4 ranks reported step 9")
        .contains("before the all-reduce of step 10");
  }

  @Test
  void shouldNameTheOneRankAlreadyFlaggedSlowWhenEveryRankStoppedAtTheSameStep() {
    JobState job = new JobState();
    List<RankState> ranks = stoppedAtTheSameStep(job);
    ranks.get(1).setStraggler(new AlertTrack(AlertTrack.Phase.FIRING, 3, 0, 0, 1, 1));
    Finding f =
        Rules.hang()
            .evaluateAt(
                job, () -> ranks, job.progressWallMs() + 60_000, 0, defaults.get(RuleId.JOB_HANG))
            .orElseThrow();
    assertThat(f.evidence())
        .containsEntry("culprit_basis", "straggler")
        .containsEntry("rank", 1)
        .containsEntry("host", "node-1")
        .doesNotContainKey("culprit_unknown");
  }

  /** Four ranks that all reported steps 0 to 9, rank 3's reports arriving last. */
  private static List<RankState> stoppedAtTheSameStep(JobState job) {
    List<RankState> ranks = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      job.learn(0, 4, r, "pytorch", true);
      RankState rank = new RankState("run" + r, r, "node-" + r, "cuda:" + r);
      for (int step = 0; step < 10; step++) {
        long t = 1000L * step + 10 * r;
        RankSample s = RankSample.of(step, t, 100.0, 1.0, 90.0, 2.0, 1.0);
        job.observe(s, rank.observe(s, t), t);
      }
      ranks.add(rank);
    }
    return ranks;
  }

  @Test
  void shouldLearnALongCheckpointAndNotPageAtTheNextOne() {
    JobState job = new JobState();
    List<RankState> ranks = new ArrayList<>();
    RankState rank = new RankState("run0", 0, "node-0", "cuda:0");
    ranks.add(rank);
    job.learn(0, 2, 0, "pytorch", true);
    job.learn(0, 2, 1, "pytorch", true);
    RuleSettings s = defaults.get(RuleId.JOB_HANG);
    long t = 0;
    for (int step = 0; step < 200; step++) {
      // A 100 s checkpoint after step 99, steps of 1 s otherwise (step_ms leaves the pause out).
      t += step == 100 ? 100_000 : 1_000;
      RankSample sample = RankSample.of(step, t, 1000.0, 1.0, 900.0, 2.0, 1.0);
      job.observe(sample, rank.observe(sample, t), t);
    }
    assertThat(job.longestPauseMs()).isEqualTo(100_000);
    assertThat(Rules.hang().limitMs(job, s)).isEqualTo(150_000);
    // The next checkpoint, 100 s again: no hang; 150 s of silence: a hang.
    assertThat(Rules.hang().evaluateAt(job, () -> ranks, t + 100_000, 0, s)).isEmpty();
    assertThat(Rules.hang().evaluateAt(job, () -> ranks, t + 150_000, 0, s)).isPresent();
    // Kept across restarts, capped by max_learned_seconds.
    assertThat(job.restart(1).longestPauseMs()).isEqualTo(100_000);
    assertThat(JobCodec.decodeJob(JobCodec.encode(job)).longestPauseMs()).isEqualTo(100_000);
    assertThat(Rules.hang().limitMs(job, s.with("max_learned_seconds", 90))).isEqualTo(90_000);
  }

  @Test
  void shouldNotJudgeAnEndedJob() {
    JobState job = new JobState();
    job.learn(0, 2, 0, "pytorch", true);
    RankState rank = new RankState("run0", 0, "node", "cuda:0");
    RankSample s = RankSample.of(0, 0, 100.0, 1.0, 90.0, 2.0, 1.0);
    job.observe(s, rank.observe(s, 0), 0);
    rank.end(0);
    job.rankEnded();
    assertThat(
            Rules.hang()
                .evaluateAt(job, () -> List.of(rank), 3_600_000, 0, defaults.get(RuleId.JOB_HANG)))
        .isEmpty();
  }

  // suspect_node

  @Test
  void shouldSuspectAHostInFaultsOfTwoJobsButNotOfOneJobMany() {
    RuleSettings s = defaults.get(RuleId.SUSPECT_NODE);
    HostState host = new HostState();
    for (int r = 0; r < 5; r++) {
      host.add(fault("job-a", r, "cuda:" + r, 1000));
    }
    assertThat(Rules.suspectNode().evaluate("node-1", host, 2000, s)).isEmpty();
    host.add(fault("job-b", 0, "cuda:0", 1500));
    Finding f = Rules.suspectNode().evaluate("node-1", host, 2000, s).orElseThrow();
    assertThat(f.diagnosis()).isEqualTo(SuspectNodeRule.FAULTY_HOST);
    assertThat(f.evidence()).containsEntry("jobs", 2);
    // A day later the faults are out of the window.
    assertThat(Rules.suspectNode().evaluate("node-1", host, 1500 + 86_400_000L + 1, s)).isEmpty();
  }

  @Test
  void shouldBlameOneDeviceWhenEveryFaultNamesIt() {
    HostState host = new HostState();
    host.add(fault("job-a", 3, "cuda:3", 1000));
    host.add(fault("job-b", 1, "cuda:3", 1100));
    Finding f =
        Rules.suspectNode()
            .evaluate("node-1", host, 2000, defaults.get(RuleId.SUSPECT_NODE))
            .orElseThrow();
    assertThat(f.diagnosis()).isEqualTo(SuspectNodeRule.FAULTY_DEVICE);
    assertThat(f.evidence()).containsEntry("device", "cuda:3");
  }

  private static Implication fault(String job, int rank, String device, long wallMs) {
    return new Implication(
        "node-1",
        device,
        job,
        job + "-r" + rank,
        rank,
        "straggler_rank",
        "slow_compute",
        wallMs,
        wallMs);
  }

  private static RankSample sample(float loss) {
    return new RankSample(5, 5, 100, 90, 10, 110, loss, 1.0f, true);
  }

  private static StepStats step(int world, java.util.function.IntFunction<Float> loss) {
    StepStats s = new StepStats();
    for (int r = 0; r < world; r++) {
      s.add(r, new RankSample(5, 5, 100, 90, 10, 110, loss.apply(r), 1.0f, true));
    }
    return s;
  }

  /** A rank with n judged steps: log ratio x, data excess, peers' sigma. */
  private static RankState judged(int n, double x, double dataExcess, double sigma) {
    RankState r = new RankState("r", 1, "h", "d");
    Random rnd = new Random(1);
    for (int step = 0; step < n; step++) {
      judge(r, step, x + sigma * rnd.nextGaussian(), dataExcess, sigma);
    }
    return r;
  }

  private static void judge(RankState r, long step, double x, double dataExcess, double sigma) {
    RankSample s = new RankSample(step, step, 100, 90, 10, 110, 2, 1, true);
    r.observe(s, step);
    double computeExcess = dataExcess > 0 ? 0.01 : Math.expm1(x);
    r.judged(
        new Verdict(
            step,
            step,
            s,
            x,
            sigma,
            Math.log1p(computeExcess),
            sigma,
            computeExcess,
            dataExcess,
            100,
            7,
            7,
            2,
            0.1,
            7,
            1,
            0.1),
        true);
  }
}
