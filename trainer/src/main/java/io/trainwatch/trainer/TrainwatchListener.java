package io.trainwatch.trainer;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.CheckpointEvent;
import io.trainwatch.schemas.ControlCommand;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.schemas.util.RateLimitedLog;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.AsyncDataSetIterator;
import org.nd4j.linalg.dataset.AsyncMultiDataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DL4J {@code TrainingListener} that publishes a training run to trainwatch: {@code run_started}
 * on the first iteration (or {@link #start}), one {@code batch} event per iteration, {@code
 * run_ended} on {@link #end} or {@link #close()} (and {@code killed} from a shutdown hook if the
 * JVM exits first).
 *
 * <pre>{@code
 * TrainwatchListener trainwatch = TrainwatchListener.builder()
 *     .kafka("kafka:9092")            // or .publisher(anyEventPublisher)
 *     .job("mnist-mlp")
 *     .build();
 * net.addListeners(trainwatch);       // MultiLayerNetwork or ComputationGraph
 * try {
 *   net.fit(trainData, epochs);
 *   trainwatch.end(RunStatus.COMPLETED, null);
 * } catch (RuntimeException e) {
 *   trainwatch.end(RunStatus.FAILED, e.toString());
 *   throw e;
 * } finally {
 *   trainwatch.close();
 * }
 * }</pre>
 *
 * <p>Per iteration, on the training thread: input statistics from the forward-pass activations,
 * output statistics from one extra evaluation of the output layer alone (DL4J does not keep the
 * output activations of a training pass), the L2 norms of the raw gradient and of the first
 * trainable layer's slice of it before the update, the score, the learning rate and the wall time
 * since the previous iteration. Small tensors in host memory are summarized by Java loops in place,
 * others by ND4J reductions where they live; see {@link TensorSummarizer}. The event is handed to
 * the {@link EventPublisher}, which never blocks.
 *
 * <p>The listener never fails a training step: an exception inside it is logged (rate-limited) and
 * that iteration's event skipped. An unsupported model type disables the listener with one warning.
 */
public final class TrainwatchListener extends BaseTrainingListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TrainwatchListener.class);
  private static final long ERROR_LOG_INTERVAL = 1_000;

  /**
   * Default input elements summarized per iteration: enough rows to tell the input's scale (a batch
   * of 20 MNIST images), few enough that a large input costs no more than a small one.
   */
  public static final long DEFAULT_MAX_INPUT_ELEMENTS = 16_384;

  private final EventPublisher publisher;
  private final boolean ownsPublisher;
  private final String runId;
  private final String job;
  private final String host;
  private final int rank;
  private final int worldSize;
  private final String device;
  private final int attempt;
  private final Map<String, String> labels;
  private final InputRange inputRange;
  private final LossDescriptor lossOverride;
  private final Map<String, Map<String, Object>> rules;
  private final Clock clock;
  private final Duration shutdownFlushTimeout;
  private final long maxInputElements;
  private final ComputeClock computeClock;
  private final TensorSummarizer summarizer = new TensorSummarizer();
  private final CheckpointRotation rotation;
  private final long checkpointEvery;
  private final CommandSource commands;
  private final boolean ownsCommands;
  private volatile boolean stopRequested;
  private volatile String stopReason;
  private long lastStep = -1;

  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile boolean started;
  private volatile boolean disabled;
  private ModelAnatomy anatomy;
  private OutputEvaluator outputEvaluator;
  private Thread shutdownHook;
  private final RateLimitedLog errors = RateLimitedLog.firstThenEvery(ERROR_LOG_INTERVAL);

  // One iteration's findings, filled by the hooks in DL4J's order, published by iterationDone.
  // Training thread only.
  private Stats inputStats;
  private Stats outputStats;
  private Predictions predictions;
  private Double gradNorm;
  private Double firstLayerGradNorm;
  private Integer batchSize;
  private long previousIterationEndNanos = -1;
  private long forwardPasses;
  // The step's phases (see dataReady and timed): time waited for data, the moment the batch was in
  // hand (-1: unknown this step), and the listener's own time since then, which is not the model's.
  private long dataWaitNanos;
  private boolean dataWaitKnown;
  private long computeStartNanos = -1;
  private long listenerNanosSinceComputeStart;
  private Double computeMs;
  private Double lossScale;
  private Boolean skipped;

  private TrainwatchListener(Builder b, EventPublisher publisher, boolean ownsPublisher) {
    this.publisher = publisher;
    this.ownsPublisher = ownsPublisher;
    this.runId =
        TrainingEvent.requireRunId(b.runId == null ? UUID.randomUUID().toString() : b.runId);
    this.job = b.job;
    this.host = b.host == null ? localHostName() : b.host;
    this.rank = b.rank;
    this.worldSize = b.worldSize;
    this.device = b.device;
    this.attempt = b.attempt;
    this.labels = Map.copyOf(b.labels);
    this.inputRange = b.inputRange;
    this.lossOverride = b.loss;
    Map<String, Map<String, Object>> frozenRules = new LinkedHashMap<>();
    b.rules.forEach((rule, settings) -> frozenRules.put(rule, Map.copyOf(settings)));
    this.rules = Map.copyOf(frozenRules);
    this.clock = b.clock;
    this.shutdownFlushTimeout = b.shutdownFlushTimeout;
    this.maxInputElements = b.maxInputElements;
    this.computeClock = b.computeClock;
    this.rotation =
        b.checkpointDir == null ? null : new CheckpointRotation(b.checkpointDir, b.keepLast);
    this.checkpointEvery = b.checkpointEvery;
    if (b.commands != null) {
      this.commands = b.commands;
      this.ownsCommands = false;
    } else if (b.controlBootstrap != null) {
      // Before run_started is published: see KafkaCommandSubscriber.
      this.commands =
          new KafkaCommandSubscriber(
              b.controlBootstrap,
              b.controlTopic,
              b.controlProperties,
              runId,
              b.controlStartTimeout);
      this.ownsCommands = true;
    } else {
      this.commands = null;
      this.ownsCommands = false;
    }
  }

  /** A builder; {@link Builder#publisher} or {@link Builder#kafka} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** This run's id: the Kafka record key of its events. */
  public String runId() {
    return runId;
  }

  /** The publisher this listener hands its events to. */
  public EventPublisher publisher() {
    return publisher;
  }

  /**
   * Publishes {@code run_started} now rather than at the first iteration, e.g. so a run that fails
   * before its first iteration is still known. Idempotent.
   */
  public void start(Model model) {
    try {
      ensureStarted(model);
    } catch (RuntimeException e) {
      onListenerError("start", e);
    }
  }

  @Override
  public void onForwardPass(Model model, List<INDArray> activations) {
    if (!ready(model)) {
      return;
    }
    long start = computeClock.nanos();
    try {
      summarizeInput(activations.get(0));
    } catch (RuntimeException e) {
      onListenerError("input statistics", e);
    } finally {
      listenerNanosSinceComputeStart += computeClock.nanos() - start;
    }
  }

  @Override
  public void onForwardPass(Model model, Map<String, INDArray> activations) {
    if (!ready(model)) {
      return;
    }
    long start = computeClock.nanos();
    try {
      INDArray input = activations.get(anatomy.graphInputName());
      if (input == null && model instanceof ComputationGraph graph) {
        input = graph.getInput(0);
      }
      summarizeInput(input);
    } catch (RuntimeException e) {
      onListenerError("input statistics", e);
    } finally {
      listenerNanosSinceComputeStart += computeClock.nanos() - start;
    }
  }

  /**
   * In DL4J 1.0.0-M2.1 this runs inside the gradient computation, after the score and before the
   * update, while the output layer still holds its input: the one moment the output can be
   * recomputed without a full forward pass.
   */
  @Override
  public void onBackwardPass(Model model) {
    if (!ready(model)) {
      return;
    }
    long start = computeClock.nanos();
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      INDArray output = outputEvaluator.evaluate();
      if (output == null) {
        return;
      }
      outputStats = summarizer.summarize(output, true);
      predictions =
          anatomy.numClasses() == null ? null : summarizer.predictions(output, outputStats);
    } catch (RuntimeException e) {
      onListenerError("output statistics", e);
    } finally {
      listenerNanosSinceComputeStart += computeClock.nanos() - start;
    }
  }

  /**
   * Runs once the gradient is computed and before the updater applies it: in a data-parallel job,
   * before gradients are shared. The step's compute phase ends here.
   */
  @Override
  public void onGradientCalculation(Model model) {
    if (!ready(model)) {
      return;
    }
    if (computeStartNanos >= 0) {
      long nanos = computeClock.nanos() - computeStartNanos - listenerNanosSinceComputeStart;
      computeMs = Math.max(0, nanos) / 1e6;
    }
    try {
      GradientNorms norms = GradientNorms.of(model, anatomy, summarizer);
      if (norms == null) {
        return;
      }
      gradNorm = meanLossNorm(model, norms.total());
      firstLayerGradNorm =
          norms.firstLayer() == null ? null : meanLossNorm(model, norms.firstLayer());
    } catch (RuntimeException e) {
      onListenerError("gradient norm", e);
    }
  }

  /** A norm of DL4J's raw gradient as a norm of the gradient of the minibatch-mean loss. */
  private double meanLossNorm(Model model, double norm) {
    // DL4J's raw gradient is of the loss summed over the minibatch; the updater divides it by the
    // batch size later.
    // Publish the gradient of the loss that is published: the minibatch mean.
    boolean summed = model.conf().isMiniBatch() && batchSize != null && batchSize > 0;
    return summed ? norm / batchSize : norm;
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    if (!ready(model)) {
      return;
    }
    long now = System.nanoTime();
    try {
      if (inputStats == null || outputStats == null) {
        throw new IllegalStateException(
            "no "
                + (inputStats == null ? "input" : "output")
                + " statistics for iteration "
                + iteration
                + " (was the listener added with setListeners/addListeners?)");
      }
      Double stepMs =
          previousIterationEndNanos < 0 ? null : (now - previousIterationEndNanos) / 1e6;
      Double dataMs = dataWaitKnown ? dataWaitNanos / 1e6 : null;
      publisher.publish(
          new BatchEvent(
                  runId,
                  clock.millis(),
                  iteration,
                  epoch,
                  batchSize,
                  model.score(),
                  inputStats,
                  outputStats,
                  predictions,
                  gradNorm,
                  firstLayerGradNorm,
                  anatomy.learningRate(),
                  stepMs)
              .withPhases(dataMs, computeMs)
              .withLossScale(lossScale, skipped));
    } catch (RuntimeException e) {
      onListenerError("batch event", e);
    } finally {
      previousIterationEndNanos = now;
      inputStats = null;
      outputStats = null;
      predictions = null;
      gradNorm = null;
      firstLayerGradNorm = null;
      batchSize = null;
      dataWaitNanos = 0;
      dataWaitKnown = false;
      computeStartNanos = -1;
      listenerNanosSinceComputeStart = 0;
      computeMs = null;
      lossScale = null;
      skipped = null;
    }
    afterStep(model, iteration);
  }

  /**
   * The step boundary: the step's update is applied. Commands received since the last step are
   * carried out in order, then the periodic checkpoint is saved.
   */
  private void afterStep(Model model, long step) {
    lastStep = step;
    try {
      if (commands != null) {
        for (ControlCommand c : commands.drain()) {
          apply(model, step, c);
          if (ended.get()) {
            return;
          }
        }
      }
      if (rotation != null && checkpointEvery > 0 && step > 0 && step % checkpointEvery == 0) {
        saveCheckpoint(model, step);
      }
    } catch (RuntimeException e) {
      onListenerError("checkpoint or command", e);
    }
  }

  private void apply(Model model, long step, ControlCommand c) {
    switch (c.command()) {
      case CHECKPOINT_NOW:
        log.info("trainwatch: run {}: checkpoint at step {} asked by {}", runId, step, c.alertId());
        saveCheckpoint(model, step);
        break;
      case PIN_CHECKPOINT:
        if (rotation != null && rotation.pin(c.checkpointLocation())) {
          publisher.publish(
              new CheckpointEvent(
                  runId, clock.millis(), c.checkpointStep(), c.checkpointLocation(), true));
          log.warn(
              "trainwatch: run {}: pinned checkpoint {} (step {}), the last good one before {}",
              runId,
              c.checkpointLocation(),
              c.checkpointStep(),
              c.alertId());
        } else {
          log.warn(
              "trainwatch: run {}: cannot pin {}: not one of this listener's checkpoints, or"
                  + " already rotated out",
              runId,
              c.checkpointLocation());
        }
        break;
      case STOP:
        stop(model, step, c);
        break;
      default:
        log.warn("trainwatch: run {}: ignoring command {}", runId, c.command());
    }
  }

  private void stop(Model model, long step, ControlCommand c) {
    if (rotation != null) {
      saveCheckpoint(model, step);
    }
    String reason =
        "stopped by trainwatch at step "
            + step
            + ": "
            + c.reason()
            + " (alert "
            + c.alertId()
            + ", command "
            + c.commandId()
            + ")";
    stopReason = reason;
    stopRequested = true;
    log.warn("trainwatch: run {}: {}", runId, reason);
    end(RunStatus.KILLED, reason);
  }

  /**
   * Saves a checkpoint now through the listener's rotation ({@link Builder#checkpoints}) and
   * publishes its {@code checkpoint} event. Call between steps.
   *
   * @return where it was saved
   * @throws IllegalStateException if no checkpoint directory was configured
   */
  public java.nio.file.Path checkpoint(Model model) {
    if (rotation == null) {
      throw new IllegalStateException(
          "no checkpoint directory: call checkpoints(...) on the builder");
    }
    return saveCheckpoint(model, Math.max(lastStep, 0));
  }

  private java.nio.file.Path saveCheckpoint(Model model, long step) {
    if (rotation == null) {
      log.warn(
          "trainwatch: run {}: asked to checkpoint, but no checkpoint directory is set", runId);
      return null;
    }
    try {
      java.nio.file.Path file = rotation.save(model, step);
      checkpointSaved(step, file.toString());
      return file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("checkpoint of step " + step, e);
    }
  }

  /**
   * Publishes a {@code checkpoint} event for a checkpoint you saved yourself.
   *
   * @param step the last step whose update the checkpoint holds
   * @param location where it is (a path or URI)
   */
  public void checkpointSaved(long step, String location) {
    if (ended.get()) {
      return;
    }
    try {
      publisher.publish(
          new CheckpointEvent(
              runId,
              clock.millis(),
              step,
              location,
              rotation != null && rotation.isPinned(location) ? Boolean.TRUE : null));
    } catch (RuntimeException e) {
      onListenerError("checkpoint event", e);
    }
  }

  /**
   * {@code true} once trainwatch asked this run to stop (the listener has then saved a checkpoint
   * and published {@code run_ended}), {@code false} before. A training loop of your own checks it
   * between steps; {@link #stoppable} does it for {@code fit(iterator)}.
   */
  public boolean stopRequested() {
    return stopRequested;
  }

  /** Why the run was stopped, or {@code null} if it was not. */
  public String stopReason() {
    return stopReason;
  }

  /**
   * An iterator that runs dry once trainwatch asks this run to stop, so {@code net.fit(iterator,
   * epochs)} returns at the next step boundary.
   */
  public DataSetIterator stoppable(DataSetIterator iterator) {
    return new StoppableIterator(iterator, this::stopRequested);
  }

  /** The listener's checkpoints on disk now, pinned ones first; empty without rotation. */
  public List<java.nio.file.Path> checkpoints() {
    return rotation == null ? List.of() : rotation.kept();
  }

  /**
   * Marks the moment the next batch is in hand, for loops that fetch their own batches and call
   * {@code fit(DataSet)}: call it after fetching the batch and just before {@code fit}. The
   * iteration then publishes {@code data_ms} (the time since the previous iteration ended: what the
   * loop spent getting this batch; absent for the first iteration) and {@code compute_ms} (from now
   * to the computed gradient, before the update: forward and backward). Loops that hand DL4J an
   * iterator use {@link #timed(DataSetIterator)} instead. Training thread only.
   */
  public void dataReady() {
    long now = System.nanoTime();
    if (previousIterationEndNanos >= 0) {
      dataWaitNanos = now - previousIterationEndNanos;
      dataWaitKnown = true;
    }
    computeStartNanos = computeClock == ComputeClock.WALL ? now : computeClock.nanos();
    listenerNanosSinceComputeStart = 0;
  }

  /**
   * The step's compute phase so far, as {@code compute_ms} will count it (in {@link
   * #computeClock()}'s nanoseconds): the time since the batch was in hand ({@link #dataReady}) less
   * the listener's own work; -1 when unknown this step. Training thread only. A fault that makes a
   * rank's compute slower scales with it ({@link DataParallelTraining}).
   */
  /** What {@code compute_ms} is measured with. */
  ComputeClock computeClock() {
    return computeClock;
  }

  long computeNanosSoFar() {
    if (computeStartNanos < 0) {
      return -1;
    }
    return Math.max(0, computeClock.nanos() - computeStartNanos - listenerNanosSinceComputeStart);
  }

  /**
   * Wraps the iterator given to {@code fit(iterator)} so that each iteration publishes {@code
   * data_ms}, the time the training thread waited in the iterator for its batch, and {@code
   * compute_ms}, from the batch in hand to the computed gradient. An iterator that supports
   * asynchronous prefetch is prefetched as DL4J would (an {@link AsyncDataSetIterator} of 2), and
   * the wait measured is the training thread's wait on the prefetch queue: a data loader that keeps
   * up costs about nothing.
   *
   * <pre>{@code
   * net.fit(trainwatch.timed(trainIterator), epochs);
   * }</pre>
   */
  public DataSetIterator timed(DataSetIterator iterator) {
    if (iterator == null) {
      throw new IllegalArgumentException("iterator: required");
    }
    return new TimedDataSetIterator(
        iterator.asyncSupported() ? new AsyncDataSetIterator(iterator, 2, true) : iterator, this);
  }

  /** {@link #timed(DataSetIterator)} for a {@code ComputationGraph}'s multi-data-set iterator. */
  public MultiDataSetIterator timed(MultiDataSetIterator iterator) {
    if (iterator == null) {
      throw new IllegalArgumentException("iterator: required");
    }
    return new TimedMultiDataSetIterator(
        iterator.asyncSupported() ? new AsyncMultiDataSetIterator(iterator, 2, true) : iterator,
        this);
  }

  /**
   * What {@code read} returns from a timed iterator's source, the time the training thread spent in
   * it counted as the step's data phase; {@code batchInHand} for a read that returns a batch
   * ({@code next()}), after which the step's compute phase starts.
   */
  <T> T readData(Supplier<T> read, boolean batchInHand) {
    long startNanos = System.nanoTime();
    T result = read.get();
    long endNanos = System.nanoTime();
    dataWaitNanos += endNanos - startNanos;
    dataWaitKnown = true;
    if (batchInHand) {
      computeStartNanos = computeClock == ComputeClock.WALL ? endNanos : computeClock.nanos();
      listenerNanosSinceComputeStart = 0;
    }
    return result;
  }

  /**
   * The mixed-precision loss scaler's state for the current iteration, for training that scales its
   * loss (DL4J itself has no scaler): call it before the iteration ends. Published as {@code
   * loss_scale} and {@code skipped}.
   *
   * @param scale the scale this step's loss was multiplied by, finite and > 0
   * @param stepSkipped {@code true} if the scaler skipped this step's update because the scaled
   *     gradients were not finite, {@code false} otherwise
   */
  public void lossScale(double scale, boolean stepSkipped) {
    if (!(scale > 0 && Double.isFinite(scale))) {
      throw new IllegalArgumentException("scale=" + scale + ": must be finite and > 0");
    }
    this.lossScale = scale;
    this.skipped = stepSkipped;
  }

  /**
   * Publishes {@code run_ended}; later calls do nothing. Does not close the publisher: {@link
   * #close()} does.
   *
   * @param reason why, for people (e.g. the exception); may be {@code null}
   */
  public void end(RunStatus status, String reason) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      publisher.publish(new RunEnded(runId, clock.millis(), status, reason));
    } catch (RuntimeException e) {
      onListenerError("run_ended", e);
    }
    removeShutdownHook();
  }

  /**
   * Stops publishing without ending the run, as a hung or SIGKILLed process would: no {@code
   * run_ended}, now or from the shutdown hook. For simulations of stalled runs.
   */
  void abandon() {
    if (ended.compareAndSet(false, true)) {
      removeShutdownHook();
    }
  }

  /** {@code true} once {@code run_ended} has been published, {@code false} before. */
  public boolean hasEnded() {
    return ended.get();
  }

  /**
   * Ends the run as {@code completed} unless {@link #end} was called, then closes the publisher if
   * this listener created it (waiting at most its close timeout).
   */
  @Override
  public void close() {
    end(RunStatus.COMPLETED, null);
    if (commands != null && ownsCommands) {
      commands.close();
    }
    if (ownsPublisher) {
      publisher.close();
    }
  }

  private boolean ready(Model model) {
    if (disabled || ended.get()) {
      return false;
    }
    if (!started) {
      try {
        ensureStarted(model);
      } catch (RuntimeException e) {
        disabled = true;
        log.warn("trainwatch: listener disabled for run {}: {}", runId, e.getMessage());
        return false;
      }
    }
    return true;
  }

  private synchronized void ensureStarted(Model model) {
    if (started) {
      return;
    }
    anatomy = ModelAnatomy.of(model);
    outputEvaluator = new OutputEvaluator(anatomy.outputLayer());
    LossDescriptor loss = lossOverride != null ? lossOverride : anatomy.loss();
    publisher.publish(
        new RunStarted(
            runId,
            clock.millis(),
            "dl4j",
            job,
            host,
            rank,
            worldSize,
            device != null ? device : localDevice(),
            attempt,
            anatomy.summary(),
            labels,
            anatomy.numClasses(),
            inputRange,
            anatomy.inputEncoding(),
            loss,
            rules));
    addShutdownHook();
    started = true;
    log.info(
        "trainwatch: run {} started: {}, loss {} ({} behind {})",
        runId,
        anatomy.summary(),
        loss.name(),
        loss.inputKind() == null ? "input not declared" : "expects " + loss.inputKind().wire(),
        loss.activation());
  }

  private void summarizeInput(INDArray input) {
    if (input == null) {
      return;
    }
    inputStats = summarizer.summarizeRows(input, maxInputElements, forwardPasses++);
    batchSize = input.rank() == 0 ? null : (int) input.size(0);
  }

  private void addShutdownHook() {
    Thread hook = new Thread(this::onJvmShutdown, "trainwatch-shutdown-" + runId);
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      shutdownHook = hook;
    } catch (IllegalStateException e) {
      // Already shutting down: nothing to protect any more.
    }
  }

  private synchronized void removeShutdownHook() {
    if (shutdownHook == null || Thread.currentThread() == shutdownHook) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down; the hook will find the run ended and do nothing.
    }
    shutdownHook = null;
  }

  private void onJvmShutdown() {
    if (ended.get()) {
      return;
    }
    end(RunStatus.KILLED, "JVM shut down before the run ended (SIGTERM, SIGINT or System.exit)");
    if (ownsPublisher) {
      publisher.close();
    } else {
      publisher.flush(shutdownFlushTimeout);
    }
  }

  private void onListenerError(String what, RuntimeException e) {
    errors.occurred(
        (n, unlogged) ->
            log.warn(
                "trainwatch: {} failed for run {} ({} listener errors so far); training continues",
                what,
                runId,
                n,
                e));
  }

  /** The ND4J device of the training thread: {@code cpu}, or {@code cuda:<n>}. */
  private static String localDevice() {
    try {
      return Nd4j.getEnvironment().isCPU()
          ? "cpu"
          : "cuda:" + Nd4j.getAffinityManager().getDeviceForCurrentThread();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String localHostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return null;
    }
  }

  /** Builds a {@link TrainwatchListener}. */
  public static final class Builder {
    private EventPublisher publisher;
    private KafkaPublisherSettings kafkaSettings;
    private String runId;
    private String job;
    private String host;
    private int rank = 0;
    private int worldSize = 1;
    private String device;
    private int attempt = 0;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private InputRange inputRange;
    private LossDescriptor loss;
    private final Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
    private Clock clock = Clock.systemUTC();
    private Duration shutdownFlushTimeout = Duration.ofSeconds(2);
    private long maxInputElements = DEFAULT_MAX_INPUT_ELEMENTS;
    private ComputeClock computeClock = ComputeClock.WALL;
    private java.nio.file.Path checkpointDir;
    private long checkpointEvery;
    private int keepLast = 3;
    private CommandSource commands;
    private String controlBootstrap;
    private String controlTopic;
    private Map<String, String> controlProperties = Map.of();
    private Duration controlStartTimeout = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * Saves a checkpoint with DL4J's {@code ModelSerializer} (updater included) every {@code
     * everySteps} steps into {@code dir} as {@code step-<N>.zip}, keeps the {@code keepLast} newest
     * (plus any pinned one) and publishes a {@code checkpoint} event for each. {@code everySteps}
     * 0: only when asked ({@link TrainwatchListener#checkpoint}, {@code checkpoint_now}, {@code
     * stop}).
     */
    public Builder checkpoints(java.nio.file.Path dir, long everySteps, int keepLast) {
      if (dir == null || everySteps < 0 || keepLast < 1) {
        throw new IllegalArgumentException(
            "checkpoints("
                + dir
                + ", "
                + everySteps
                + ", "
                + keepLast
                + "): a directory,"
                + " everySteps >= 0 and keepLast >= 1 are required");
      }
      this.checkpointDir = dir;
      this.checkpointEvery = everySteps;
      this.keepLast = keepLast;
      return this;
    }

    /**
     * Obeys the monitor's commands for this run from {@code trainwatch.control}, read with the same
     * connection settings as {@link #kafka(KafkaPublisherSettings)} (call that first).
     */
    public Builder control() {
      if (kafkaSettings == null) {
        throw new IllegalArgumentException(
            "control(): call kafka(...) first, or control(bootstrap, ...)");
      }
      return control(kafkaSettings.bootstrapServers(), kafkaSettings.clientProperties());
    }

    /**
     * Obeys the monitor's commands for this run from {@code trainwatch.control} on these servers.
     *
     * @param clientProperties security settings and the like; never logged
     */
    public Builder control(String bootstrapServers, Map<String, String> clientProperties) {
      this.controlBootstrap = bootstrapServers;
      this.controlProperties = clientProperties == null ? Map.of() : Map.copyOf(clientProperties);
      this.commands = null;
      return this;
    }

    /** The control topic, when not {@code trainwatch.control} (a prefixed deployment). */
    public Builder controlTopic(String topic) {
      this.controlTopic = topic;
      return this;
    }

    /** Obeys commands from this source (the caller keeps ownership). */
    public Builder commands(CommandSource source) {
      this.commands = source;
      this.controlBootstrap = null;
      return this;
    }

    /**
     * Publishes through this publisher; the caller keeps ownership (the listener never closes it).
     */
    public Builder publisher(EventPublisher publisher) {
      this.publisher = publisher;
      this.kafkaSettings = null;
      return this;
    }

    /**
     * Publishes to Kafka with default settings; the listener owns the publisher and closes it on
     * {@link #close()}.
     */
    public Builder kafka(String bootstrapServers) {
      return kafka(KafkaPublisherSettings.defaults(bootstrapServers));
    }

    /**
     * Publishes to Kafka with these settings; the listener owns the publisher and closes it on
     * {@link #close()}.
     */
    public Builder kafka(KafkaPublisherSettings settings) {
      this.kafkaSettings = settings;
      this.publisher = null;
      return this;
    }

    /**
     * The run id (default: a random UUID). Several processes of one run (ranks) need distinct ids.
     */
    public Builder runId(String runId) {
      this.runId = runId;
      return this;
    }

    /** The job this run belongs to (several runs, e.g. ranks or retries, share a job). */
    public Builder job(String job) {
      this.job = job;
      return this;
    }

    /** The host name to report (default: {@code $HOSTNAME} or the local host name). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** The rank of this process in a distributed job, {@code 0 <= rank < worldSize} (default 0). */
    public Builder rank(int rank) {
      this.rank = rank;
      return this;
    }

    /** How many ranks (data-parallel replicas) the job has (default 1: a single process). */
    public Builder worldSize(int worldSize) {
      this.worldSize = worldSize;
      return this;
    }

    /**
     * The accelerator this rank trains on, e.g. a GPU UUID (default: ND4J's device of the thread
     * that starts the run, {@code cpu} or {@code cuda:<n>}).
     */
    public Builder device(String device) {
      this.device = device;
      return this;
    }

    /** 0 for the job's first launch, +1 per restart (default 0). */
    public Builder attempt(int attempt) {
      this.attempt = attempt;
      return this;
    }

    /** A free-form label passed through to alerts (team, cluster, experiment...). */
    public Builder label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    /**
     * The range inputs are expected to have after normalization; overrides the monitor's default
     * check.
     */
    public Builder inputRange(double min, double max) {
      this.inputRange = new InputRange(min, max);
      return this;
    }

    /**
     * Replaces the loss descriptor derived from the output layer (for losses the listener cannot
     * know).
     */
    public Builder loss(LossDescriptor loss) {
      this.loss = loss;
      return this;
    }

    /**
     * Overrides one rule setting for this run, e.g. {@code rule("loss_plateau", "enabled", false)}.
     */
    public Builder rule(String ruleId, String key, Object value) {
      if (ruleId == null || key == null || value == null) {
        throw new IllegalArgumentException(
            "rule(" + ruleId + ", " + key + ", " + value + "): nothing may be null");
      }
      rules.computeIfAbsent(ruleId, k -> new LinkedHashMap<>()).put(key, value);
      return this;
    }

    /** The clock for event timestamps (default: system UTC). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * How long the shutdown hook waits for a publisher it does not own to deliver {@code
     * run_ended}.
     */
    public Builder shutdownFlushTimeout(Duration timeout) {
      this.shutdownFlushTimeout = timeout;
      return this;
    }

    /**
     * Caps the cost of the input statistics: a larger input is summarized on a window of whole rows
     * holding at most this many elements, moving every iteration (default {@value
     * TrainwatchListener#DEFAULT_MAX_INPUT_ELEMENTS}; {@code Long.MAX_VALUE} for everything). The
     * published {@code count} says how many elements were summarized.
     */
    public Builder maxInputElements(long maxElements) {
      if (maxElements < 1) {
        throw new IllegalArgumentException("maxInputElements=" + maxElements + ": must be >= 1");
      }
      this.maxInputElements = maxElements;
      return this;
    }

    /**
     * What {@code compute_ms} is measured with (default {@link ComputeClock#WALL}); {@link
     * ComputeClock#THREAD_CPU} for CPU training on an oversubscribed host.
     *
     * @throws IllegalArgumentException if this JVM cannot measure it
     */
    public Builder computeClock(ComputeClock clock) {
      if (clock == null || !clock.supported()) {
        throw new IllegalArgumentException(
            "computeClock=" + clock + ": " + (clock == null ? "required" : "not supported here"));
      }
      this.computeClock = clock;
      return this;
    }

    /**
     * Builds the listener.
     *
     * @throws IllegalArgumentException if no publisher was given or a value is invalid
     */
    public TrainwatchListener build() {
      if (publisher == null && kafkaSettings == null) {
        throw new IllegalArgumentException(
            "publisher: required (call publisher(...) or kafka(...))");
      }
      if (runId != null) {
        TrainingEvent.requireRunId(runId);
      }
      if (worldSize < 1) {
        throw new IllegalArgumentException("worldSize=" + worldSize + ": must be >= 1");
      }
      if (rank < 0 || rank >= worldSize) {
        throw new IllegalArgumentException(
            "rank=" + rank + ": must be >= 0 and < worldSize=" + worldSize);
      }
      if (attempt < 0) {
        throw new IllegalArgumentException("attempt=" + attempt + ": must be >= 0");
      }
      if (device != null && device.isBlank()) {
        throw new IllegalArgumentException("device: must not be blank");
      }
      if (clock == null) {
        throw new IllegalArgumentException("clock: required");
      }
      boolean owns = publisher == null;
      EventPublisher p = owns ? new KafkaEventPublisher(kafkaSettings) : publisher;
      return new TrainwatchListener(this, p, owns);
    }
  }
}
