package io.trainwatch.simulator;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One synchronous data-parallel job of a simulated fleet: its ranks' {@code run_started}, {@code
 * batch} and {@code run_ended} events, with the noise of real fleets and, optionally, one injected
 * {@link JobFault}: {@code N} ranks of the one per-run generator ({@link TrainingSimulator}, whose
 * parts the job sets) held in lockstep by the one job model ({@link SynchronousJob}).
 *
 * <p>What the job-level rules compare across ranks (loss, gradient norm, step, compute and data
 * times) is a function of (seed, rank, step): any step of any rank can be asked for in any order,
 * again and again, with the same answer, so a producer may pre-encode some steps and compute the
 * loss of others apart ({@link #loss}). Predictions are too; input and output statistics are
 * constant. Healthy behaviour ({@link SynchronousJob}'s): every rank computes about {@link
 * #COMPUTE_MS} ms per step with 3% jitter and a persistent per-rank offset of up to ±1.5% (GPUs are
 * not identical), waits about {@link #DATA_MS} ms for data with 20% jitter and a 10x data-loader
 * hiccup on 1% of steps; the step takes as long as the slowest rank plus the all-reduce. The loss
 * follows one curve with 5% per-rank batch noise; the gradient norm is the same on every rank (it
 * is read after the all-reduce). Not thread-safe (the ranks' simulators keep their generators).
 */
public final class SimulatedJob {

  /** A healthy rank's compute time per step, ms. */
  public static final double COMPUTE_MS = 80;

  /** A healthy rank's data wait per step, ms. */
  public static final double DATA_MS = 10;

  /** The all-reduce after the slowest rank, ms. */
  public static final double ALL_REDUCE_MS = 5;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final String job;
  private final int worldSize;
  private final List<String> hosts;
  private final long seed;
  private final SynchronousJob model;
  private final double[] offsets;
  private final TrainingSimulator[] ranks;
  private long timedStep = -1;
  private double stepMs;

  /**
   * A job of {@code hosts.size()} ranks.
   *
   * @param hosts the host of each rank, by rank
   */
  public SimulatedJob(String job, List<String> hosts, long seed, JobFault fault) {
    if (hosts.size() < 2) {
      throw new IllegalArgumentException("a distributed job has at least 2 ranks");
    }
    this.job = job;
    this.worldSize = hosts.size();
    this.hosts = List.copyOf(hosts);
    this.seed = seed;
    this.model = new SynchronousJob(worldSize, fault);
    this.offsets = new double[worldSize];
    SplittableRandom devices = new SplittableRandom(seed);
    for (int r = 0; r < worldSize; r++) {
      offsets[r] = SynchronousJob.deviceOffset(devices.nextDouble(-1, 1) * 0.012);
    }
    this.ranks = new TrainingSimulator[worldSize];
    for (int r = 0; r < worldSize; r++) {
      int rank = r;
      ranks[r] =
          TrainingSimulator.healthyClassifier(runId(r), seed * 31 + r)
              .batchSize(32)
              .lr(3e-4)
              .stepsPerEpoch(Integer.MAX_VALUE)
              .firstLayerShare(null)
              .loss(step -> loss(rank, step))
              .gradNorm(this::gradNorm)
              .predictions(step -> predictions(rank, step))
              .stepMs(step -> stepMs(step));
    }
  }

  public String job() {
    return job;
  }

  public int worldSize() {
    return worldSize;
  }

  public JobFault fault() {
    return model.fault();
  }

  /** The run id of a rank: {@code <job>-r<rank>}. */
  public String runId(int rank) {
    return job + "-r" + rank;
  }

  public String host(int rank) {
    return hosts.get(rank);
  }

  /** The accelerator of a rank: {@code cuda:<rank % 8>} (8 GPUs a host). */
  public static String device(int rank) {
    return "cuda:" + rank % 8;
  }

  /** {@code true} if the rank reports this step, {@code false} once it (or its job) hangs. */
  public boolean reports(int rank, long step) {
    return model.reports(rank, step);
  }

  /** A rank describes itself: a PyTorch classifier, rank {@code rank} of this job. */
  public RunStarted started(int rank, long tsMs) {
    return new RunStarted(
        runId(rank),
        tsMs,
        "pytorch",
        job,
        host(rank),
        rank,
        worldSize,
        device(rank),
        0,
        "transformer (simulated), 10 classes",
        Map.of("team", "fleet"),
        10,
        new InputRange(-5, 5),
        null,
        new LossDescriptor("CrossEntropyLoss", InputKind.LOGITS, null, 0.0),
        Map.of());
  }

  /** The batch a rank reports for a step, at event time {@code tsMs}. */
  public BatchEvent batch(int rank, long step, long tsMs) {
    time(step);
    int s = (int) Math.min(Integer.MAX_VALUE, step);
    return ranks[rank].batch(s, tsMs).withPhases(model.dataMs(rank), model.computeMs(rank));
  }

  /** A rank finishes. */
  public RunEnded ended(int rank, long tsMs) {
    return new RunEnded(runId(rank), tsMs, RunStatus.COMPLETED, null);
  }

  /**
   * The loss a rank reports for a step: the job's curve with 5% batch noise; NaN from a {@link
   * RankFault#NAN_RANK} fault's onset on. Cheap and stateless: callers may compute it apart.
   */
  public double loss(int rank, long step) {
    double level = 2.0 * Math.exp(-step / 500.0) + 0.3;
    return model.loss(rank, step, level * (1 + 0.05 * gaussian(mix(seed, rank + 1, step))));
  }

  /**
   * A 10-class classifier in training: the most predicted class takes 10-20% of a batch (not
   * collapsed), prediction entropy 85-99% of its maximum.
   */
  private Predictions predictions(int rank, long step) {
    SplittableRandom rnd = new SplittableRandom(mix(seed, (rank + 1L) << 20, step));
    return new Predictions(0.1 + 0.1 * rnd.nextDouble(), 0.85 + 0.14 * rnd.nextDouble());
  }

  private Double gradNorm(int step) {
    return model.gradNorm(step, 1.0 + 0.1 * gaussian(mix(seed, 0, step)));
  }

  /** The step's time: its slowest rank's compute and data wait, plus the all-reduce, ms. */
  public double stepMs(long step) {
    time(step);
    return stepMs;
  }

  /** A rank's compute time in a step, ms. */
  public double computeMs(int rank, long step) {
    time(step);
    return model.computeMs(rank);
  }

  /** A rank's data wait in a step, ms. */
  public double dataMs(int rank, long step) {
    time(step);
    return model.dataMs(rank);
  }

  /**
   * Every rank's compute and data times of a step, and the step time they make: the step's own
   * generator, so that any step can be asked for in any order.
   */
  private void time(long step) {
    if (step == timedStep) {
      return;
    }
    SynchronousJob.Noise noise = SynchronousJob.Noise.of(new SplittableRandom(mix(seed, -1, step)));
    stepMs =
        model.time(step, noise, r -> COMPUTE_MS * (1 + offsets[r]), DATA_MS, 1) + ALL_REDUCE_MS;
    timedStep = step;
  }

  private static long mix(long seed, long a, long b) {
    long h = seed ^ (a * GOLDEN) ^ Long.rotateLeft(b * 0xBF58476D1CE4E5B9L, 31);
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    return h;
  }

  private static double gaussian(long h) {
    return SynchronousJob.Noise.of(new SplittableRandom(h)).gaussian();
  }
}
