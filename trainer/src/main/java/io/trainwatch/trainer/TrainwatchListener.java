package io.trainwatch.trainer;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.TrainingEvent;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
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
  private final Integer rank;
  private final Map<String, String> labels;
  private final InputRange inputRange;
  private final LossDescriptor lossOverride;
  private final Map<String, Map<String, Object>> rules;
  private final Clock clock;
  private final Duration shutdownFlushTimeout;
  private final long maxInputElements;
  private final TensorSummarizer summarizer = new TensorSummarizer();

  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile boolean started;
  private volatile boolean disabled;
  private ModelAnatomy anatomy;
  private OutputEvaluator outputEvaluator;
  private Thread shutdownHook;
  private long errors;

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

  private TrainwatchListener(Builder b, EventPublisher publisher, boolean ownsPublisher) {
    this.publisher = publisher;
    this.ownsPublisher = ownsPublisher;
    this.runId =
        TrainingEvent.requireRunId(b.runId == null ? UUID.randomUUID().toString() : b.runId);
    this.job = b.job;
    this.host = b.host == null ? localHostName() : b.host;
    this.rank = b.rank;
    this.labels = Map.copyOf(b.labels);
    this.inputRange = b.inputRange;
    this.lossOverride = b.loss;
    Map<String, Map<String, Object>> frozenRules = new LinkedHashMap<>();
    b.rules.forEach((rule, settings) -> frozenRules.put(rule, Map.copyOf(settings)));
    this.rules = Map.copyOf(frozenRules);
    this.clock = b.clock;
    this.shutdownFlushTimeout = b.shutdownFlushTimeout;
    this.maxInputElements = b.maxInputElements;
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
    try {
      summarizeInput(activations.get(0));
    } catch (RuntimeException e) {
      onListenerError("input statistics", e);
    }
  }

  @Override
  public void onForwardPass(Model model, Map<String, INDArray> activations) {
    if (!ready(model)) {
      return;
    }
    try {
      INDArray input = activations.get(anatomy.graphInputName());
      if (input == null && model instanceof ComputationGraph graph) {
        input = graph.getInput(0);
      }
      summarizeInput(input);
    } catch (RuntimeException e) {
      onListenerError("input statistics", e);
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
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      INDArray output = outputEvaluator.evaluate();
      if (output == null) {
        return;
      }
      outputStats = summarizer.summarize(output, true);
      predictions = anatomy.numClasses() == null ? null : summarizer.predictions(output);
    } catch (RuntimeException e) {
      onListenerError("output statistics", e);
    }
  }

  @Override
  public void onGradientCalculation(Model model) {
    if (!ready(model)) {
      return;
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
              stepMs));
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
    }
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
            null,
            null,
            null,
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
    long n = ++errors;
    if (n == 1 || n % ERROR_LOG_INTERVAL == 0) {
      log.warn(
          "trainwatch: {} failed for run {} ({} listener errors so far); training continues",
          what,
          runId,
          n,
          e);
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
    private Integer rank;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private InputRange inputRange;
    private LossDescriptor loss;
    private final Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
    private Clock clock = Clock.systemUTC();
    private Duration shutdownFlushTimeout = Duration.ofSeconds(2);
    private long maxInputElements = DEFAULT_MAX_INPUT_ELEMENTS;

    private Builder() {}

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

    /** The rank of this process in a distributed job. */
    public Builder rank(int rank) {
      this.rank = rank;
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
      if (rank != null && rank < 0) {
        throw new IllegalArgumentException("rank=" + rank + ": must be >= 0");
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
