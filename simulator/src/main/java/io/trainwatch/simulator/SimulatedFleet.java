package io.trainwatch.simulator;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.TrainingEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A simulated fleet of synchronous data-parallel jobs: every rank's {@code run_started}, {@code
 * batch} and {@code run_ended}, with the wall-clock time each event arrives at, as a fleet of
 * {@link Spec#hosts} hosts of {@value #GPUS_PER_HOST} accelerators would produce them.
 * Deterministic for a seed. Each job is its ranks in the one job model ({@link SynchronousJob}: the
 * ranks' compute and data times and what a {@link JobFault} does to them), drawing in sequence from
 * the job's generator, and each rank reports through the one per-run generator ({@link
 * TrainingSimulator}, whose parts read the step the job model has just timed); the fleet adds
 * schedules, drift, checkpoints and preemptions.
 *
 * <p>What a healthy fleet does (the noise a fleet-level detector must ignore):
 *
 * <ul>
 *   <li>Jobs are scheduled on half hosts (4 accelerators), two half hosts on different hosts per
 *       8-rank job, as they free up; jobs of different lengths come and go.
 *   <li>Each step, each rank computes for the job's base time x 3% log-normal jitter x a persistent
 *       per-device offset (accelerators are not identical: within +-1.5%), and waits for its batch
 *       about a tenth of that with 20% jitter and a 10x data-loader hiccup on 1% of steps. The step
 *       time is the slowest rank's work plus the all-reduce (synchronous training).
 *   <li>A diurnal drift of every host, 1-2% amplitude (the period shortened to {@link
 *       #DRIFT_PERIOD_MS} so that jobs of minutes see it move), in phase on every host (one
 *       datacenter, one sun), its amplitude differing from host to host.
 *   <li>Checkpoints every 40-60 steps, 5-40 s of wall clock: either every rank writes its shard
 *       (each waits about as long) or rank 0 writes the whole model while the others wait at the
 *       next all-reduce (only rank 0's wait is measured). The next step's {@code step_ms} includes
 *       the pause.
 *   <li>Preemptions: about 6% of jobs are stopped mid-run (every rank ends {@code killed}, except,
 *       in half of them, one rank killed so hard it sends nothing) and restarted 20-90 s later as
 *       {@code attempt} + 1 with new run ids, from their last checkpoint step (steps go back).
 *   <li>Losses follow one curve with per-rank batch noise; gradient norms are identical across
 *       ranks (read after the all-reduce).
 * </ul>
 *
 * <p>With faults ({@link Spec#withFaults}), some jobs get one {@link JobFault}, each on hosts no
 * other fault touches, and one host has a bad accelerator that fails in two different jobs: a NaN
 * on its rank in one (which reaches every rank at the next step; the job then stops), a 25%
 * slowdown in a later one.
 */
public final class SimulatedFleet {

  public static final int GPUS_PER_HOST = 8;

  /** 2026-01-05T00:00:00Z, the fleet's first launch. */
  public static final long START_MS = 1_767_571_200_000L;

  /** The diurnal drift's period, shortened so that a job of minutes sees it move. */
  public static final long DRIFT_PERIOD_MS = 20 * 60_000L;

  /** A language model's output logits, summarized. */
  private static final Stats LOGITS = Stats.of(-14, 17, 0.0, 3.1, 0, 16L * 32_000);

  /** Logits after the weights turned NaN. */
  private static final Stats NAN_LOGITS =
      Stats.of(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 16L * 32_000, 16L * 32_000);

  /** One launch of a job: steps {@code firstStep} (inclusive) to {@code endStep} (exclusive). */
  public record Attempt(int attempt, long startMs, int firstStep, int endStep, boolean preempted) {}

  /**
   * A job of the fleet.
   *
   * @param hosts the host of each rank
   * @param devices the device of each rank
   * @param fault its fault, or {@code null} for a healthy job
   * @param badHost {@code true} if its fault is the bad host's accelerator
   */
  public record Job(
      String name,
      int world,
      List<String> hosts,
      List<String> devices,
      JobFault fault,
      boolean badHost,
      List<Attempt> attempts) {

    public String runId(int rank, int attempt) {
      return name + "-a" + attempt + "-r" + rank;
    }

    /** {@code true} if nothing is wrong with this job, {@code false} otherwise. */
    public boolean healthy() {
      return fault == null;
    }
  }

  /** An event and when (wall clock) it reaches the monitor. */
  public record Timed(long wallMs, TrainingEvent event) {}

  /**
   * What to simulate.
   *
   * @param jobs jobs over the whole simulation
   * @param world ranks per job (a multiple of 4)
   * @param hosts hosts of {@value #GPUS_PER_HOST} accelerators
   * @param withFaults {@code false} for a healthy fleet (the control)
   */
  public record Spec(int jobs, int world, int hosts, long seed, boolean withFaults) {

    public Spec {
      if (jobs < 1 || hosts < 2 || world < 4 || world % 4 != 0 || world / 4 > hosts) {
        throw new IllegalArgumentException(
            "jobs=" + jobs + ", world=" + world + ", hosts=" + hosts + ": not a fleet");
      }
      if (withFaults && (jobs < 40 || hosts < 24)) {
        throw new IllegalArgumentException("a fleet with faults needs >= 40 jobs on >= 24 hosts");
      }
    }
  }

  private final Spec spec;
  private final int stragglers;
  private final double stragglerFactor;
  private final List<Job> jobs = new ArrayList<>();
  private final List<Timed> events = new ArrayList<>();
  private String badHost;
  private String badDevice;

  private SimulatedFleet(Spec spec, int stragglers, double stragglerFactor) {
    this.spec = spec;
    this.stragglers = stragglers;
    this.stragglerFactor = stragglerFactor;
  }

  /** Simulates a fleet. */
  public static SimulatedFleet generate(Spec spec) {
    SimulatedFleet f = new SimulatedFleet(spec, 0, 1);
    f.build();
    return f;
  }

  /**
   * Simulates a healthy fleet ({@code spec.withFaults()} must be {@code false}) in which {@code
   * count} jobs get one {@link RankFault#SLOW_COMPUTE} straggler of {@code factor}: a rank chosen
   * at random (so its device's own offset too), from a step between 40 and 60, each on hosts no
   * other straggler uses, in jobs that are not preempted. A sample of one fault for its delay
   * distribution; the other jobs are healthy controls.
   */
  public static SimulatedFleet withStragglers(Spec spec, int count, double factor) {
    if (spec.withFaults() || count < 1 || factor <= 1) {
      throw new IllegalArgumentException(
          "stragglers in a healthy fleet: count=" + count + ", factor=" + factor);
    }
    SimulatedFleet f = new SimulatedFleet(spec, count, factor);
    f.build();
    return f;
  }

  public Spec spec() {
    return spec;
  }

  public List<Job> jobs() {
    return jobs;
  }

  /** Every event in arrival order. */
  public List<Timed> events() {
    return events;
  }

  /** The host with the bad accelerator, or {@code null} for a healthy fleet. */
  public String badHost() {
    return badHost;
  }

  /** The bad accelerator, or {@code null}. */
  public String badDevice() {
    return badDevice;
  }

  /** When the last event arrives. */
  public long endMs() {
    return events.isEmpty() ? START_MS : events.get(events.size() - 1).wallMs();
  }

  // -- the simulation --------------------------------------------------------------------------

  /** A job's shape before its events are drawn. */
  private record Plan(
      int index,
      int steps,
      double computeMs,
      int checkpointEvery,
      boolean shardedCheckpoint,
      int preemptAt,
      long startMs,
      int[] halves) {}

  private void build() {
    Random rnd = new Random(spec.seed());
    int halvesCount = spec.hosts() * 2;
    long[] freeAt = new long[halvesCount];
    for (int h = 0; h < halvesCount; h++) {
      freeAt[h] = START_MS + rnd.nextInt(30_000);
    }
    double[] hostPhase = new double[spec.hosts()];
    double[] hostAmplitude = new double[spec.hosts()];
    for (int h = 0; h < spec.hosts(); h++) {
      hostPhase[h] = 0; // one datacenter: the same sun, the same phase
      hostAmplitude[h] = 0.01 + 0.01 * rnd.nextDouble();
    }
    double[][] deviceOffset = new double[spec.hosts()][GPUS_PER_HOST];
    for (double[] host : deviceOffset) {
      for (int d = 0; d < GPUS_PER_HOST; d++) {
        host[d] = SynchronousJob.deviceOffset(0.007 * rnd.nextGaussian());
      }
    }
    int halvesPerJob = spec.world() / 4;
    List<Plan> plans = new ArrayList<>();
    for (int j = 0; j < spec.jobs(); j++) {
      int steps = 110 + rnd.nextInt(61);
      double computeMs = 150 + 450 * rnd.nextDouble();
      int checkpointEvery = 40 + rnd.nextInt(21);
      boolean sharded = rnd.nextBoolean();
      int preemptAt = rnd.nextDouble() < 0.06 ? 60 + rnd.nextInt(steps - 80) : -1;
      // The earliest-free half hosts, on different hosts.
      Integer[] order = new Integer[halvesCount];
      for (int h = 0; h < halvesCount; h++) {
        order[h] = h;
      }
      java.util.Arrays.sort(order, Comparator.comparingLong(h -> freeAt[h]));
      int[] chosen = new int[halvesPerJob];
      int n = 0;
      for (int k = 0; k < halvesCount && n < halvesPerJob; k++) {
        int half = order[k];
        boolean sameHost = false;
        for (int c = 0; c < n; c++) {
          sameHost |= chosen[c] / 2 == half / 2;
        }
        if (!sameHost) {
          chosen[n++] = half;
        }
      }
      long start = 0;
      for (int c : chosen) {
        start = Math.max(start, freeAt[c]);
      }
      start += 2_000 + rnd.nextInt(8_000);
      // Rough duration, to free the halves: steps x (compute + data + all-reduce) + checkpoints.
      long duration =
          (long) (steps * computeMs * 1.25) + (steps / checkpointEvery) * 25_000L + 120_000;
      for (int c : chosen) {
        freeAt[c] = start + duration;
      }
      plans.add(new Plan(j, steps, computeMs, checkpointEvery, sharded, preemptAt, start, chosen));
    }
    JobFault[] faults = new JobFault[plans.size()];
    boolean[] onBadHost = new boolean[plans.size()];
    if (spec.withFaults()) {
      assignFaults(plans, faults, onBadHost, rnd);
    } else if (stragglers > 0) {
      assignStragglers(plans, faults, rnd);
    }
    for (Plan p : plans) {
      simulate(p, faults[p.index()], onBadHost[p.index()], hostPhase, hostAmplitude, deviceOffset);
    }
    events.sort(Comparator.comparingLong(Timed::wallMs));
  }

  /**
   * The bad host (two jobs that used the same half host one after the other, its second device
   * failing in both) and one job per other fault, each on hosts no other faulty job uses.
   */
  private void assignFaults(List<Plan> plans, JobFault[] faults, boolean[] onBadHost, Random rnd) {
    java.util.Set<Integer> taken = new java.util.HashSet<>();
    // Two jobs on the same half host, not overlapping in time (one after the other).
    int first = -1;
    int second = -1;
    int sharedHalf = -1;
    for (int a = plans.size() / 8; a < plans.size() && second < 0; a++) {
      for (int b = a + 1; b < plans.size() && second < 0; b++) {
        for (int ha : plans.get(a).halves()) {
          for (int hb : plans.get(b).halves()) {
            if (ha == hb && plans.get(a).preemptAt() < 0 && plans.get(b).preemptAt() < 0) {
              first = a;
              second = b;
              sharedHalf = ha;
            }
          }
        }
      }
    }
    if (second < 0) {
      throw new IllegalStateException("no two jobs share a half host: fleet too small");
    }
    int deviceIndex = (sharedHalf % 2) * 4 + 1;
    badHost = host(sharedHalf / 2);
    badDevice = "cuda:" + deviceIndex;
    faults[first] = new JobFault(RankFault.NAN_RANK, rankOn(plans.get(first), sharedHalf), 60, 1);
    faults[second] =
        new JobFault(RankFault.SLOW_COMPUTE, rankOn(plans.get(second), sharedHalf), 40, 1.25);
    onBadHost[first] = true;
    onBadHost[second] = true;
    takeHosts(plans.get(first), taken);
    takeHosts(plans.get(second), taken);
    JobFault[] others = {
      new JobFault(RankFault.SLOW_COMPUTE, 5, 40, 1.2),
      new JobFault(RankFault.SLOW_COMPUTE, 2, 40, 1.2),
      new JobFault(RankFault.SLOW_COMPUTE, 6, 40, 1.05),
      new JobFault(RankFault.SLOW_COMPUTE, 3, 40, 1.05),
      new JobFault(RankFault.SLOW_DATA, 1, 40, 3),
      new JobFault(RankFault.HANG, 6, 90, 1),
      new JobFault(RankFault.HANG, 0, 70, 1),
      new JobFault(RankFault.NAN_RANK, 4, 80, 1),
    };
    int next = 0;
    for (int j = 0; j < plans.size() && next < others.length; j++) {
      Plan p = plans.get(j);
      if (faults[j] != null || p.preemptAt() >= 0 || !hostsFree(p, taken)) {
        continue;
      }
      faults[j] = others[next++];
      takeHosts(p, taken);
      j += rnd.nextInt(3);
    }
    if (next < others.length) {
      throw new IllegalStateException("not enough jobs on free hosts for every fault");
    }
  }

  /** {@link #stragglers} jobs with a straggler each, on hosts no other straggler uses. */
  private void assignStragglers(List<Plan> plans, JobFault[] faults, Random rnd) {
    java.util.Set<Integer> taken = new java.util.HashSet<>();
    int assigned = 0;
    for (int j = 0; j < plans.size() && assigned < stragglers; j++) {
      Plan p = plans.get(j);
      if (p.preemptAt() >= 0 || !hostsFree(p, taken)) {
        continue;
      }
      faults[j] =
          new JobFault(
              RankFault.SLOW_COMPUTE,
              rnd.nextInt(spec.world()),
              40 + rnd.nextInt(21),
              stragglerFactor);
      takeHosts(p, taken);
      assigned++;
    }
    if (assigned < stragglers) {
      throw new IllegalStateException(
          "only " + assigned + " of " + stragglers + " stragglers fit on distinct hosts");
    }
  }

  private static int rankOn(Plan p, int half) {
    for (int c = 0; c < p.halves().length; c++) {
      if (p.halves()[c] == half) {
        return c * 4 + 1;
      }
    }
    throw new IllegalStateException("job " + p.index() + " does not use half " + half);
  }

  private static boolean hostsFree(Plan p, java.util.Set<Integer> taken) {
    for (int h : p.halves()) {
      if (taken.contains(h / 2)) {
        return false;
      }
    }
    return true;
  }

  private static void takeHosts(Plan p, java.util.Set<Integer> taken) {
    for (int h : p.halves()) {
      taken.add(h / 2);
    }
  }

  private static String host(int h) {
    return String.format(Locale.ROOT, "host-%02d", h);
  }

  private void simulate(
      Plan p,
      JobFault fault,
      boolean onBad,
      double[] hostPhase,
      double[] hostAmplitude,
      double[][] deviceOffset) {
    Random rnd = new Random(spec.seed() * 31 + p.index());
    int world = spec.world();
    String name = String.format(Locale.ROOT, "job-%03d", p.index());
    List<String> hosts = new ArrayList<>();
    List<String> devices = new ArrayList<>();
    int[] hostIndex = new int[world];
    int[] deviceIndex = new int[world];
    for (int r = 0; r < world; r++) {
      int half = p.halves()[r / 4];
      hostIndex[r] = half / 2;
      deviceIndex[r] = (half % 2) * 4 + r % 4;
      hosts.add(host(hostIndex[r]));
      devices.add("cuda:" + deviceIndex[r]);
    }
    List<Attempt> attempts = new ArrayList<>();
    Job job = new Job(name, world, hosts, devices, fault, onBad, attempts);
    jobs.add(job);
    SynchronousJob ranks = new SynchronousJob(world, fault == null ? JobFault.NONE : fault);
    SynchronousJob.Noise noise = SynchronousJob.Noise.of(rnd);
    boolean hang = ranks.fault().kind() == RankFault.HANG;
    boolean nan = ranks.fault().kind() == RankFault.NAN_RANK;
    int onset = ranks.fault().onsetStep();
    double dataMs = p.computeMs() * (0.05 + 0.1 * rnd.nextDouble());
    double lossStart = 2 + 8 * rnd.nextDouble();
    double lossFloor = 0.1 + 0.5 * rnd.nextDouble();
    double decay = 200 + 600 * rnd.nextDouble();
    String framework = rnd.nextBoolean() ? "pytorch" : "jax";
    long wall = p.startMs();
    int step = 0;
    int attempt = 0;
    int lastCheckpoint = 0;
    boolean preempted = false;
    Step now = new Step(world);
    while (true) {
      int attemptFirst = step;
      long attemptStart = wall;
      TrainingSimulator[] reporters = reporters(job, attempt, ranks, rnd, now);
      for (int r = 0; r < world; r++) {
        events.add(
            new Timed(
                wall + rnd.nextInt(3_000),
                new RunStarted(
                    job.runId(r, attempt),
                    wall,
                    framework,
                    name,
                    hosts.get(r),
                    r,
                    world,
                    devices.get(r),
                    attempt,
                    "transformer-1.3b",
                    Map.of("team", "llm"),
                    null,
                    null,
                    null,
                    new LossDescriptor("CrossEntropyLoss", InputKind.LOGITS, null, 0.0),
                    Map.of())));
      }
      wall += 5_000 + rnd.nextInt(10_000); // loading the checkpoint, building the model
      long[] arrival = new long[world];
      java.util.Arrays.fill(arrival, wall);
      long pause = 0;
      boolean nanSeen = false;
      int nanSteps = 0;
      for (; step < p.steps(); step++) {
        if (!preempted && step == p.preemptAt()) {
          break;
        }
        double drift0 = 2 * Math.PI * (wall - START_MS) / DRIFT_PERIOD_MS;
        boolean checkpoint = step > 0 && step % p.checkpointEvery() == 0;
        double checkpointMs = checkpoint ? 5_000 + 35_000 * rnd.nextDouble() : 0;
        double slowest =
            ranks.time(
                step,
                noise,
                r -> {
                  int h = hostIndex[r];
                  double drift = 1 + hostAmplitude[h] * Math.sin(drift0 + hostPhase[h]);
                  return p.computeMs() * drift * (1 + deviceOffset[h][deviceIndex[r]]);
                },
                dataMs,
                1);
        double[] compute = new double[world];
        double[] data = new double[world];
        for (int r = 0; r < world; r++) {
          compute[r] = ranks.computeMs(r);
          data[r] = ranks.dataMs(r);
        }
        if (checkpoint) {
          for (int r = 0; r < world; r++) {
            if (p.shardedCheckpoint()) {
              data[r] += checkpointMs * (0.9 + 0.1 * rnd.nextDouble());
            } else if (r == 0) {
              data[r] += checkpointMs;
            }
          }
          slowest += checkpointMs;
        }
        double stepMs = slowest + 0.05 * p.computeMs() + pause;
        pause = 0;
        wall += (long) stepMs;
        now.loss = lossFloor + (lossStart - lossFloor) * Math.exp(-step / decay);
        now.gradNorm = 0.5 + Math.exp(-step / 300.0) * (1 + 0.1 * rnd.nextGaussian());
        now.stepMs = stepMs;
        for (int r = 0; r < world; r++) {
          if (!ranks.reports(r, step)) {
            // A hung rank never reports its onset step (it hangs after the all-reduce); its peers
            // block in the next all-reduce, which it never joins.
            continue;
          }
          BatchEvent b =
              reporters[r].batch(step, wall).withPhases(round(data[r]), round(compute[r]));
          // One producer per rank: its events arrive in order, each after some network latency.
          arrival[r] = Math.max(arrival[r] + 1, wall + 20 + rnd.nextInt(200));
          events.add(new Timed(arrival[r], b));
        }
        if (hang && step > onset) {
          // Nobody reports again; no run_ended either.
          attempts.add(new Attempt(attempt, attemptStart, attemptFirst, onset, false));
          return;
        }
        if (nan && step > onset) {
          nanSeen = true;
          if (++nanSteps >= 20) {
            // The training script's NaN check raises.
            step++;
            break;
          }
        }
        if (checkpoint) {
          lastCheckpoint = step;
        }
      }
      if (!preempted && p.preemptAt() >= 0 && step == p.preemptAt()) {
        // Preempted: every rank is told to stop; in half the cases one is killed before it can
        // say so.
        int silent = rnd.nextBoolean() ? rnd.nextInt(world) : -1;
        for (int r = 0; r < world; r++) {
          if (r != silent) {
            events.add(
                new Timed(
                    Math.max(arrival[r] + 1, wall + 500 + rnd.nextInt(2_000)),
                    new RunEnded(
                        job.runId(r, attempt), wall + 500, RunStatus.KILLED, "preempted")));
          }
        }
        attempts.add(new Attempt(attempt, attemptStart, attemptFirst, step, true));
        preempted = true;
        attempt++;
        wall += 20_000 + rnd.nextInt(70_000);
        step = lastCheckpoint + 1;
        continue;
      }
      RunStatus status = nanSeen ? RunStatus.FAILED : RunStatus.COMPLETED;
      for (int r = 0; r < world; r++) {
        events.add(
            new Timed(
                Math.max(arrival[r] + 1, wall + 200 + rnd.nextInt(1_000)),
                new RunEnded(
                    job.runId(r, attempt), wall + 100, status, nanSeen ? "loss is NaN" : null)));
      }
      attempts.add(new Attempt(attempt, attemptStart, attemptFirst, step, false));
      return;
    }
  }

  /** The step a job is at: what its ranks' simulators report. */
  private static final class Step {
    /** The loss curve's level, before each rank's batch noise. */
    double loss;

    /** The gradient norm, the same on every rank (read after the all-reduce). */
    double gradNorm;

    double stepMs;

    /** The loss each rank reported (its batch's output statistics follow it). */
    final double[] reported;

    Step(int world) {
      reported = new double[world];
    }
  }

  /**
   * One {@link TrainingSimulator} per rank of an attempt (a new attempt has new run ids), its parts
   * reading {@code now}: the loss the level with 5% log-normal batch noise drawn from the job's
   * generator {@code rnd} in rank order (NaN where the fault says so), the gradient norm the job's,
   * the output statistics those of a language model's logits (NaN ones after a NaN loss), no
   * predictions.
   */
  private static TrainingSimulator[] reporters(
      Job job, int attempt, SynchronousJob ranks, Random rnd, Step now) {
    TrainingSimulator[] out = new TrainingSimulator[job.world()];
    for (int r = 0; r < out.length; r++) {
      int rank = r;
      out[r] =
          TrainingSimulator.healthyClassifier(job.runId(r, attempt), 0)
              .batchSize(16)
              .lr(3e-4)
              .stepsPerEpoch(1000)
              .firstLayerShare(null)
              .predictions(step -> null)
              .input(step -> TrainingSimulator.standardizedInputs())
              .loss(
                  step ->
                      now.reported[rank] =
                          ranks.loss(rank, step, now.loss * Math.exp(0.05 * rnd.nextGaussian())))
              .gradNorm(step -> ranks.gradNorm(step, now.gradNorm))
              .output(step -> Double.isFinite(now.reported[rank]) ? LOGITS : NAN_LOGITS)
              .stepMs(step -> now.stepMs);
    }
    return out;
  }

  private static double round(double ms) {
    return Math.round(ms * 100) / 100.0;
  }
}
