package io.trainwatch.trainer;

import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.schemas.RunStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A synchronous data-parallel DL4J job in one JVM: {@code worldSize} ranks, each a thread training
 * its own replica of the same small network (same seed, so the replicas start equal) on its own
 * shard of {@link SyntheticPixels} (positions {@code rank, rank + worldSize, ...} of each epoch's
 * shuffle, as PyTorch's {@code DistributedSampler} deals them), and each publishing as its rank
 * through a {@link TrainwatchListener} of its own ({@code job}, {@code rank}, {@code world_size},
 * {@code host}, {@code device}, {@code attempt}; {@code step_ms}, {@code data_ms}, {@code
 * compute_ms} on every batch), as the ranks of a real job do.
 *
 * <p>Every step ends in a real all-reduce: once a rank's gradient is computed (the listener's
 * {@code compute_ms} ends there), it waits for every other rank's, and all apply the mean. So the
 * replicas stay equal, the slowest rank sets every rank's {@code step_ms}, and only {@code
 * compute_ms} and {@code data_ms} tell who is slow; a NaN on one rank reaches all of them at the
 * next step; and a rank that stops leaves the others blocked in the collective, as NCCL leaves
 * them. One {@link JobFault} can be reproduced on one rank: {@link RankFault#SLOW_COMPUTE}, {@link
 * RankFault#HANG} or {@link RankFault#NAN_RANK}.
 *
 * <pre>{@code
 * DataParallelTraining.Spec spec =
 *     DataParallelTraining.Spec.of("job-7", 4, TrainingSpec.of("job-7", Fault.NONE).withSteps(200))
 *         .withFault(JobFault.slowCompute(2, 100, 1.2));
 * DataParallelTraining.Report report = DataParallelTraining.run(spec, "localhost:9092");
 * }</pre>
 */
public final class DataParallelTraining {

  private static final Logger log = LoggerFactory.getLogger(DataParallelTraining.class);

  /** NCCL's default collective timeout: a rank blocked this long in the all-reduce gives up. */
  public static final Duration DEFAULT_COLLECTIVE_TIMEOUT = Duration.ofMinutes(10);

  /**
   * After a hang, how long the job stays blocked before it is torn down (its processes killed):
   * long enough for the peers' last events to be handed to their publishers.
   */
  static final Duration HANG_GRACE = Duration.ofMillis(500);

  private DataParallelTraining() {}

  /**
   * A data-parallel job.
   *
   * @param job the job name every rank publishes
   * @param worldSize ranks, >= 2
   * @param attempt the launch (0 first, +1 per restart)
   * @param model what each rank trains: network, optimizer, batch size (per rank), steps, classes,
   *     examples (the whole data set, sharded over the ranks) and seed; its run id is the prefix of
   *     the ranks' run ids, its fault must be {@link Fault#NONE}
   * @param fault the one rank's fault, or {@code null} for a healthy job
   * @param hosts each rank's host name, in rank order
   * @param devices each rank's accelerator id, in rank order
   * @param collectiveTimeout how long a rank waits in the all-reduce before the job fails
   * @param computeClock what the ranks' listeners measure {@code compute_ms} with: {@link
   *     ComputeClock#THREAD_CPU} by default, as the ranks are threads sharing this host's cores
   *     (ND4J must then run on one native thread, {@code OMP_NUM_THREADS=1}, so that a rank's work
   *     is on its own thread)
   */
  public record Spec(
      String job,
      int worldSize,
      int attempt,
      TrainingSpec model,
      JobFault fault,
      List<String> hosts,
      List<String> devices,
      Duration collectiveTimeout,
      ComputeClock computeClock) {

    public Spec {
      if (job == null || job.isBlank()) {
        throw new IllegalArgumentException("job: required");
      }
      if (worldSize < 2) {
        throw new IllegalArgumentException("worldSize=" + worldSize + ": must be >= 2");
      }
      if (attempt < 0) {
        throw new IllegalArgumentException("attempt=" + attempt + ": must be >= 0");
      }
      if (model == null) {
        throw new IllegalArgumentException("model: required");
      }
      if (model.fault() != Fault.NONE) {
        throw new IllegalArgumentException(
            "model: fault " + model.fault().wire() + ": a job's faults are RankFaults");
      }
      if (model.examples() / worldSize < model.batchSize()) {
        throw new IllegalArgumentException(
            "examples="
                + model.examples()
                + ": each of the "
                + worldSize
                + " shards needs at least batch_size="
                + model.batchSize());
      }
      if (fault == null) {
        fault = JobFault.NONE;
      }
      if (fault.kind() == RankFault.SLOW_DATA) {
        throw new IllegalArgumentException(
            "fault "
                + fault.kind().wire()
                + ": a job reproduces slow-compute, hang and nan-rank faults");
      }
      if (fault.kind() == RankFault.SLOW_COMPUTE
          && !(fault.factor() > 1 && fault.factor() <= 101)) {
        throw new IllegalArgumentException(
            "fault slow-compute: factor="
                + fault.factor()
                + " must be in (1, 101] (1.2 = 20% slower)");
      }
      if (fault.kind() != RankFault.NONE && fault.rank() >= worldSize) {
        throw new IllegalArgumentException(
            "fault on rank " + fault.rank() + ": must be < worldSize=" + worldSize);
      }
      if (fault.kind() != RankFault.NONE && fault.onsetStep() >= model.steps()) {
        throw new IllegalArgumentException(
            "fault at step " + fault.onsetStep() + ": the job runs " + model.steps() + " steps");
      }
      if (hosts == null || hosts.size() != worldSize || devices == null) {
        throw new IllegalArgumentException("hosts: one per rank (" + worldSize + ") required");
      }
      if (devices.size() != worldSize) {
        throw new IllegalArgumentException("devices: one per rank (" + worldSize + ") required");
      }
      hosts = List.copyOf(hosts);
      devices = List.copyOf(devices);
      if (collectiveTimeout == null
          || collectiveTimeout.isNegative()
          || collectiveTimeout.isZero()) {
        throw new IllegalArgumentException("collectiveTimeout: must be > 0");
      }
    }

    /**
     * A healthy job of {@code worldSize} ranks on this host ({@code $HOSTNAME} or the local name),
     * devices {@code cpu:0..}, attempt 0.
     */
    public static Spec of(String job, int worldSize, TrainingSpec model) {
      List<String> hosts = new ArrayList<>();
      List<String> devices = new ArrayList<>();
      String host = localHostName();
      for (int r = 0; r < worldSize; r++) {
        hosts.add(host);
        devices.add("cpu:" + r);
      }
      return new Spec(
          job,
          worldSize,
          0,
          model.withJob(job),
          null,
          hosts,
          devices,
          DEFAULT_COLLECTIVE_TIMEOUT,
          ComputeClock.THREAD_CPU);
    }

    public Spec withFault(JobFault newFault) {
      return new Spec(
          job,
          worldSize,
          attempt,
          model,
          newFault,
          hosts,
          devices,
          collectiveTimeout,
          computeClock);
    }

    public Spec withHosts(List<String> newHosts) {
      return new Spec(
          job,
          worldSize,
          attempt,
          model,
          fault,
          newHosts,
          devices,
          collectiveTimeout,
          computeClock);
    }

    public Spec withDevices(List<String> newDevices) {
      return new Spec(
          job,
          worldSize,
          attempt,
          model,
          fault,
          hosts,
          newDevices,
          collectiveTimeout,
          computeClock);
    }

    public Spec withAttempt(int newAttempt) {
      return new Spec(
          job,
          worldSize,
          newAttempt,
          model,
          fault,
          hosts,
          devices,
          collectiveTimeout,
          computeClock);
    }

    public Spec withCollectiveTimeout(Duration timeout) {
      return new Spec(job, worldSize, attempt, model, fault, hosts, devices, timeout, computeClock);
    }

    /** What the ranks' listeners measure {@code compute_ms} with. */
    public Spec withComputeClock(ComputeClock clock) {
      return new Spec(
          job, worldSize, attempt, model, fault, hosts, devices, collectiveTimeout, clock);
    }

    /** Rank {@code r}'s run id: the model's run id, {@code -a<attempt>-r<rank>}. */
    public String runId(int r) {
      return model.runId() + "-a" + attempt + "-r" + r;
    }
  }

  /**
   * What the job did.
   *
   * @param spec the job
   * @param ranks each rank's report, in rank order ({@code status} {@code null}: torn down hung)
   * @param hung {@code true} if a rank hung and the job was torn down, {@code false} otherwise
   */
  public record Report(Spec spec, List<TrainingReport> ranks, boolean hung) {

    /** One line for people. */
    public String summary() {
      int steps = ranks.stream().mapToInt(TrainingReport::stepsRun).max().orElse(0);
      double stepMs = ranks.stream().mapToDouble(TrainingReport::meanStepMs).max().orElse(0);
      long dropped = ranks.stream().mapToLong(r -> r.publisher().dropped()).sum();
      return String.format(
          java.util.Locale.ROOT,
          "job %s (%d ranks, %s): %s after %d steps, %.1f ms/step, %d events dropped",
          spec.job(),
          spec.worldSize(),
          spec.fault().describe(),
          hung
              ? "hung, torn down"
              : ranks.stream().allMatch(r -> r.status() == RunStatus.COMPLETED)
                  ? "completed"
                  : "failed",
          steps,
          stepMs,
          dropped);
    }
  }

  /**
   * Runs the job, each rank publishing through a {@link KafkaEventPublisher} of its own to {@code
   * bootstrapServers}, as separate processes would; closes them when done.
   */
  public static Report run(Spec spec, String bootstrapServers) throws InterruptedException {
    List<KafkaEventPublisher> publishers = new ArrayList<>();
    try {
      for (int r = 0; r < spec.worldSize(); r++) {
        publishers.add(KafkaEventPublisher.connect(bootstrapServers));
      }
      return run(spec, publishers::get);
    } finally {
      publishers.forEach(KafkaEventPublisher::close);
    }
  }

  /**
   * Runs the job, rank {@code r} publishing through {@code publisherOfRank.apply(r)} (which stays
   * open: the caller owns it), and returns when every rank finished, or once a hung job was torn
   * down ({@link #HANG_GRACE} after its peers blocked). Never throws for a training failure: the
   * reports say so.
   */
  public static Report run(Spec spec, IntFunction<EventPublisher> publisherOfRank)
      throws InterruptedException {
    SyntheticPixels data =
        SyntheticPixels.generate(
            spec.model().numClasses(), spec.model().examples(), spec.model().seed());
    Collective collective = new Collective(spec.worldSize(), spec.collectiveTimeout());
    List<AtomicReference<TrainingReport>> reports = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int r = 0; r < spec.worldSize(); r++) {
      AtomicReference<TrainingReport> report = new AtomicReference<>();
      reports.add(report);
      int rank = r;
      EventPublisher publisher = publisherOfRank.apply(r);
      Thread t =
          new Thread(
              () -> {
                try {
                  report.set(trainRank(spec, rank, data, collective, publisher));
                } catch (Throwable e) { // an Error: the rank dies, and its peers with it
                  collective.abort();
                  log.warn("trainwatch: job {} rank {} died", spec.job(), rank, e);
                  report.set(
                      new TrainingReport(
                          spec.runId(rank),
                          Fault.NONE,
                          RunStatus.FAILED,
                          e.toString(),
                          0,
                          Double.NaN,
                          null,
                          null,
                          null,
                          0,
                          publisher.stats()));
                }
              },
              "trainwatch-" + spec.job() + "-rank-" + r);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    try {
      boolean hung = false;
      while (threads.stream().anyMatch(Thread::isAlive)) {
        if (collective.hung.await(200, TimeUnit.MILLISECONDS)) {
          // The peers report the hung step and block in the next step's collective; then the
          // job is killed, as a scheduler or NCCL's timeout would.
          long deadline = System.nanoTime() + spec.collectiveTimeout().toNanos();
          while (!collective.peersReported(collective.hungStep)
              && !collective.aborted
              && System.nanoTime() < deadline) {
            Thread.sleep(20);
          }
          Thread.sleep(HANG_GRACE.toMillis());
          collective.tearDown();
          hung = true;
          break;
        }
      }
      for (Thread t : threads) {
        t.join();
      }
      List<TrainingReport> out = new ArrayList<>();
      reports.forEach(ref -> out.add(ref.get()));
      return new Report(spec, out, hung);
    } finally {
      collective.abort();
      for (Thread t : threads) {
        t.interrupt();
      }
    }
  }

  /** One rank's training loop. */
  private static TrainingReport trainRank(
      Spec spec, int rank, SyntheticPixels data, Collective collective, EventPublisher publisher) {
    TrainingSpec model = spec.model();
    String runId = spec.runId(rank);
    MultiLayerNetwork net = Networks.build(model);
    TrainwatchListener.Builder builder =
        TrainwatchListener.builder()
            .publisher(publisher)
            .runId(runId)
            .job(spec.job())
            .rank(rank)
            .worldSize(spec.worldSize())
            .host(spec.hosts().get(rank))
            .device(spec.devices().get(rank))
            .attempt(spec.attempt())
            .computeClock(spec.computeClock());
    model.labels().forEach(builder::label);
    TrainwatchListener listener = builder.build();
    RankFaults faults = new RankFaults(spec.fault(), rank, listener, collective);
    AllReduce allReduce = new AllReduce(rank, collective);
    // Order matters: the fault's slowdown before the listener ends the compute phase, the
    // all-reduce after it (its wait is not compute), the hang before the listener reports the step.
    net.setListeners(faults, listener, allReduce);
    listener.start(net);

    // The rank's data loader, on the training thread (num_workers=0): data_ms is the time it takes
    // to produce the next batch, measured as TrainwatchListener#timed measures it.
    ShardIterator shard = new ShardIterator(data, model, rank, spec.worldSize());
    DataSetIterator loader = new TimedDataSetIterator(shard, listener);
    int stepsPerEpoch = model.examples() / spec.worldSize() / model.batchSize();
    int step = 0;
    Integer firstNonFinite = null;
    RunStatus status = RunStatus.COMPLETED;
    String failure = null;
    long startNanos = System.nanoTime();
    try {
      for (; step < model.steps() && !listener.stopRequested(); step++) {
        faults.step = step;
        // The turn to compute, taken after the previous step was reported and before the batch
        // is asked for: the wait is neither data_ms (only the time in next()) nor compute_ms.
        if (!collective.awaitTurn(rank, step)) {
          throw new CollectiveAborted("aborted while waiting to compute", null);
        }
        DataSet batch = loader.next();
        if (faults.startsAt(RankFault.NAN_RANK)) {
          batch.getFeatures().putScalar(0, 0, Float.NaN);
        }
        net.fit(batch);
        if (firstNonFinite == null && !Double.isFinite(net.score())) {
          firstNonFinite = step;
        }
        if ((step + 1) % stepsPerEpoch == 0) {
          net.incrementEpochCount();
        }
        collective.reported.set(rank, step);
      }
      if (listener.stopRequested()) {
        status = RunStatus.KILLED;
        failure = listener.stopReason();
      } else {
        listener.end(RunStatus.COMPLETED, null);
      }
    } catch (RuntimeException e) {
      if (collective.tornDown) {
        // Torn down while hung or blocked in the collective: killed without a word.
        listener.abandon();
        status = null;
        failure = "torn down: " + e.getMessage();
      } else {
        status = RunStatus.FAILED;
        failure = e.toString();
        log.warn("trainwatch: job {} rank {} failed at step {}", spec.job(), rank, step, e);
        listener.end(RunStatus.FAILED, failure);
        collective.abort(); // the peers would wait for this rank forever
      }
    }
    double meanStepMs = step == 0 ? 0 : (System.nanoTime() - startNanos) / 1e6 / step;
    listener.close();
    if (!publisher.flush(TrainingRun.REPORT_FLUSH_TIMEOUT)) {
      log.warn(
          "trainwatch: run {}: events still pending after {}",
          runId,
          TrainingRun.REPORT_FLUSH_TIMEOUT);
    }
    return new TrainingReport(
        runId,
        Fault.NONE,
        status,
        failure,
        step,
        step == 0 ? Double.NaN : net.score(),
        spec.fault().kind() != RankFault.NONE && spec.fault().rank() == rank
            ? spec.fault().onsetStep()
            : null,
        null,
        firstNonFinite,
        meanStepMs,
        publisher.stats());
  }

  /** Positions {@code rank, rank + world, ...} of an epoch's shuffle: the rank's shard. */
  static int[] shard(int[] order, int rank, int world) {
    int[] out = new int[order.length / world];
    for (int i = 0; i < out.length; i++) {
      out[i] = order[i * world + rank];
    }
    return out;
  }

  /**
   * Takes {@code nanos} more of {@code clock}'s time, holding the rank's turn to compute. On the
   * wall clock: parked, then spinning for the last millisecond, so that a slowdown of a few percent
   * of a millisecond-long step is what it says rather than a scheduler's wake-up latency. On the
   * thread's CPU clock: spinning (the work of a slower device is more CPU time).
   */
  static void pause(ComputeClock clock, long nanos) {
    long deadline = clock.nanos() + nanos;
    long left;
    while ((left = deadline - clock.nanos()) > 0) {
      if (clock == ComputeClock.WALL && left > 2_000_000) {
        LockSupport.parkNanos(left - 1_000_000);
      } else {
        Thread.onSpinWait();
      }
    }
  }

  private static String localHostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "localhost";
    }
  }

  /**
   * A rank's batches, endlessly: each epoch the whole data set is shuffled with the job's seed (the
   * same order on every rank) and the rank takes its positions of it ({@link #shard}).
   */
  static final class ShardIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final transient SyntheticPixels data;
    private final TrainingSpec model;
    private final int rank;
    private final int world;
    private final SplittableRandom shuffle;
    private int[] order;
    private int inEpoch;
    private volatile boolean closed;

    ShardIterator(SyntheticPixels data, TrainingSpec model, int rank, int world) {
      this.data = data;
      this.model = model;
      this.rank = rank;
      this.world = world;
      this.shuffle = new SplittableRandom(model.seed() + 1);
      this.order = shard(data.shuffledOrder(shuffle), rank, world);
    }

    void close() {
      closed = true;
    }

    @Override
    public synchronized DataSet next() {
      int stepsPerEpoch = order.length / model.batchSize();
      DataSet batch =
          data.batch(order, inEpoch * model.batchSize(), model.batchSize(), model.inputScaling());
      if (++inEpoch == stepsPerEpoch) {
        inEpoch = 0;
        order = shard(data.shuffledOrder(shuffle), rank, world);
      }
      return batch;
    }

    @Override
    public DataSet next(int num) {
      return next();
    }

    @Override
    public boolean hasNext() {
      return !closed;
    }

    @Override
    public int inputColumns() {
      return SyntheticPixels.FEATURES;
    }

    @Override
    public int totalOutcomes() {
      return model.numClasses();
    }

    @Override
    public boolean resetSupported() {
      return false;
    }

    @Override
    public boolean asyncSupported() {
      return false;
    }

    @Override
    public void reset() {
      throw new UnsupportedOperationException("an endless shard");
    }

    @Override
    public int batch() {
      return model.batchSize();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
      throw new UnsupportedOperationException("no pre-processor");
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
      return null;
    }

    @Override
    public List<String> getLabels() {
      return null;
    }
  }

  /** Thrown on a rank's thread when the job is torn down or a peer failed. */
  static final class CollectiveAborted extends RuntimeException {
    CollectiveAborted(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The job's all-reduce: every rank hands its gradient in, the last to arrive averages them, all
   * leave with the mean. Fails every waiting rank when the job is torn down, a rank failed, or a
   * rank waited longer than the collective timeout.
   */
  static final class Collective {
    final CyclicBarrier barrier;
    final Duration timeout;
    final float[][] slots;
    final CountDownLatch hung = new CountDownLatch(1);
    final CountDownLatch teardown = new CountDownLatch(1);

    /**
     * One rank computes at a time, in turns that rotate every step (step s: rank s mod world
     * first): the ranks share this host's cores as real ranks do not share their accelerators, so
     * that a rank's compute_ms is its own work, not the time its peers took the CPU from it, and no
     * rank always computes in the same position. {@link #turn} counts the turns taken.
     */
    private final Object turns = new Object();

    private long turn;
    final int world;

    /** Each rank's last step done (reported), -1 before the first. */
    final java.util.concurrent.atomic.AtomicLongArray reported;

    volatile int hungStep = -1;
    volatile boolean tornDown;
    volatile boolean aborted;
    volatile float[] mean;

    Collective(int world, Duration timeout) {
      this.world = world;
      this.slots = new float[world][];
      this.reported = new java.util.concurrent.atomic.AtomicLongArray(world);
      for (int r = 0; r < world; r++) {
        reported.set(r, -1);
      }
      this.timeout = timeout;
      this.barrier = new CyclicBarrier(world, this::average);
    }

    private void average() {
      float[] sum = new float[slots[0].length];
      for (float[] s : slots) {
        for (int i = 0; i < sum.length; i++) {
          sum[i] += s[i];
        }
      }
      for (int i = 0; i < sum.length; i++) {
        sum[i] /= slots.length;
      }
      mean = sum;
    }

    /** Waits for this rank's turn at {@code step}; {@code false} if the job was aborted. */
    boolean awaitTurn(int rank, int step) {
      long mine = (long) step * world + Math.floorMod(rank - step, world);
      synchronized (turns) {
        while (turn != mine) {
          if (aborted) {
            return false;
          }
          try {
            turns.wait(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
        return true;
      }
    }

    private void endTurn() {
      synchronized (turns) {
        turn++;
        turns.notifyAll();
      }
    }

    /** {@code true} once every rank but the hung one reported {@code step}. */
    boolean peersReported(int step) {
      for (int r = 0; r < world; r++) {
        if (r != hungRank && reported.get(r) < step) {
          return false;
        }
      }
      return true;
    }

    volatile int hungRank = -1;

    float[] allReduceMean(int rank, float[] gradient) {
      endTurn();
      slots[rank] = gradient;
      try {
        barrier.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return mean;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CollectiveAborted("interrupted in the all-reduce", e);
      } catch (BrokenBarrierException | TimeoutException e) {
        throw new CollectiveAborted(
            tornDown ? "the job was torn down" : "a peer left the all-reduce", e);
      }
    }

    /** The job is killed (after a hang): every rank stops without a word. */
    void tearDown() {
      tornDown = true;
      abort();
    }

    /** A rank failed, or the job is over: no rank may wait for the others any more. */
    void abort() {
      aborted = true;
      synchronized (turns) {
        turns.notifyAll();
      }
      barrier.reset();
      teardown.countDown();
    }
  }

  /** Replaces the rank's gradient by the mean of every rank's, before the updater applies it. */
  private static final class AllReduce extends BaseTrainingListener {
    private final int rank;
    private final Collective collective;

    AllReduce(int rank, Collective collective) {
      this.rank = rank;
      this.collective = collective;
    }

    @Override
    public void onGradientCalculation(Model model) {
      INDArray gradient = model.getGradientsViewArray();
      float[] mean = collective.allReduceMean(rank, gradient.toFloatVector());
      try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
        gradient.assign(Nd4j.createFromArray(mean).reshape(gradient.shape()));
      }
    }
  }

  /** The rank's {@link JobFault}, where it acts in the step. */
  private static final class RankFaults extends BaseTrainingListener {
    private final JobFault fault;
    private final int rank;
    private final TrainwatchListener listener;
    private final Collective collective;
    int step;

    RankFaults(JobFault fault, int rank, TrainwatchListener listener, Collective collective) {
      this.fault = fault;
      this.rank = rank;
      this.listener = listener;
      this.collective = collective;
    }

    /** {@code true} if the fault of that kind acts on the rank at this step (from its onset). */
    boolean active(RankFault kind) {
      return fault.kind() == kind && fault.actsOn(rank, step);
    }

    /** {@code true} if the fault of that kind begins on the rank at this step. */
    boolean startsAt(RankFault kind) {
      return fault.kind() == kind && fault.startsAt(rank, step);
    }

    /** The end of the compute phase (the listener measures it next). */
    @Override
    public void onGradientCalculation(Model model) {
      long compute = listener.computeNanosSoFar();
      if (active(RankFault.SLOW_COMPUTE) && compute > 0) {
        // As a slower device would: the same work takes longer, on the clock compute_ms uses.
        pause(listener.computeClock(), (long) ((fault.factor() - 1) * compute));
      }
    }

    /** After the update, before the listener reports the step. */
    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
      if (!startsAt(RankFault.HANG)) {
        return;
      }
      collective.hungRank = rank;
      collective.hungStep = step;
      collective.hung.countDown();
      try {
        collective.teardown.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new CollectiveAborted("hung at step " + step + " until the job was torn down", null);
    }
  }
}
