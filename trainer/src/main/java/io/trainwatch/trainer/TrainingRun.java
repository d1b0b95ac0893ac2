package io.trainwatch.trainer;

import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.RunStatus;
import java.time.Duration;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a small DL4J network on generated data, for real, with a {@link TrainwatchListener}
 * publishing every iteration; optionally reproduces a {@link Fault}. Used by {@code ./trainwatch
 * train}, the demo, the evaluation harness and the tests.
 *
 * <pre>{@code
 * try (KafkaEventPublisher publisher = KafkaEventPublisher.connect("localhost:9092")) {
 *   TrainingReport report = TrainingRun.run(TrainingSpec.of("run-1", Fault.SOFTMAX_INTO_NLL), publisher);
 * }
 * }</pre>
 */
public final class TrainingRun {

  private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);

  /** How long {@link #run} waits for the publisher to deliver before it reports. */
  public static final Duration REPORT_FLUSH_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Applied steps after which the emulated loss scaler doubles its scale: GradScaler's default is
   * 2000; in a run of a few hundred steps 25 makes it probe a larger scale (and skip a step) now
   * and then, as a long run does.
   */
  public static final int MIXED_PRECISION_GROWTH_INTERVAL = 25;

  private TrainingRun() {}

  /** One-hot labels drawn at random: what a corrupt shard feeds the network. */
  private static INDArray randomLabels(int rows, int classes, SplittableRandom random) {
    float[] oneHot = new float[rows * classes];
    for (int r = 0; r < rows; r++) {
      oneHot[r * classes + random.nextInt(classes)] = 1f;
    }
    return Nd4j.create(oneHot, new long[] {rows, classes}, DataType.FLOAT);
  }

  /**
   * Runs the training described by {@code spec}, publishing through {@code publisher} (which stays
   * open: the caller owns it). Publishes {@code run_ended} ({@code completed}, or {@code failed} if
   * training throws; nothing for a stalled run), then waits up to {@link #REPORT_FLUSH_TIMEOUT} for
   * delivery before reporting. Never throws for a training failure: the report says so.
   */
  public static TrainingReport run(TrainingSpec spec, EventPublisher publisher) {
    return run(spec, publisher, (s, b) -> b, Duration.ZERO);
  }

  /**
   * {@link #run(TrainingSpec, EventPublisher)} with more listener settings (checkpoints, obeying
   * trainwatch's commands) and a pause after each step, as a slower accelerator would take. A run
   * trainwatch stops ends {@code killed} with the listener's reason as its failure.
   */
  public static TrainingReport run(
      TrainingSpec spec,
      EventPublisher publisher,
      java.util.function.BiFunction<
              TrainingSpec, TrainwatchListener.Builder, TrainwatchListener.Builder>
          customize,
      Duration pausePerStep) {
    SyntheticPixels data =
        SyntheticPixels.generate(spec.numClasses(), spec.examples(), spec.seed());
    MultiLayerNetwork net = Networks.build(spec);
    TrainwatchListener.Builder builder =
        TrainwatchListener.builder().publisher(publisher).runId(spec.runId()).job(spec.job());
    spec.labels().forEach(builder::label);
    TrainwatchListener listener = customize.apply(spec, builder).build();
    DynamicLossScaler scaler =
        spec.mixedPrecision()
            ? new DynamicLossScaler(
                listener, DynamicLossScaler.DEFAULT_INITIAL_SCALE, MIXED_PRECISION_GROWTH_INTERVAL)
            : null;
    if (scaler != null) {
      net.setListeners(scaler, listener);
    } else {
      net.setListeners(listener);
    }
    listener.start(net);

    SplittableRandom shuffle = new SplittableRandom(spec.seed() + 1);
    SplittableRandom corrupt = new SplittableRandom(spec.seed() + 2);
    int[] order = data.shuffledOrder(shuffle);
    int stepsPerEpoch = spec.stepsPerEpoch();
    double learningRate = Networks.learningRateAt(spec, 0);
    int step = 0;
    Integer firstNonFinite = null;
    RunStatus status = RunStatus.COMPLETED;
    String failure = null;
    long startNanos = System.nanoTime();
    try {
      for (; step < spec.steps() && !listener.stopRequested(); step++) {
        boolean faulty = spec.faultActiveAt(step);
        if (spec.fault() == Fault.STALL && faulty) {
          // A hung process publishes nothing more, not even run_ended.
          listener.abandon();
          status = null;
          break;
        }
        double lr = Networks.learningRateAt(spec, step);
        if (lr != learningRate) {
          net.setLearningRate(lr);
          learningRate = lr;
        }
        InputScaling scaling =
            spec.fault() == Fault.UNNORMALIZED_INPUT && faulty
                ? InputScaling.RAW
                : spec.inputScaling();
        int forcedClass = spec.fault() == Fault.OUTPUT_COLLAPSE && faulty ? 0 : -1;
        int inEpoch = step % stepsPerEpoch;
        DataSet batch =
            data.batch(order, inEpoch * spec.batchSize(), spec.batchSize(), scaling, forcedClass);
        if (spec.fault() == Fault.CORRUPT_BATCHES && faulty) {
          batch.setLabels(randomLabels(spec.batchSize(), spec.numClasses(), corrupt));
        }
        listener.dataReady();
        net.fit(batch);
        if (!pausePerStep.isZero()) {
          try {
            Thread.sleep(pausePerStep.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        if (firstNonFinite == null && !Double.isFinite(net.score())) {
          firstNonFinite = step;
        }
        if (inEpoch == stepsPerEpoch - 1) {
          net.incrementEpochCount();
          order = data.shuffledOrder(shuffle);
        }
      }
      if (listener.stopRequested()) {
        status = RunStatus.KILLED;
        failure = listener.stopReason();
      } else if (status != null) {
        listener.end(RunStatus.COMPLETED, null);
      }
    } catch (RuntimeException e) {
      status = RunStatus.FAILED;
      failure = e.toString();
      log.warn("trainwatch: training run {} failed at step {}", spec.runId(), step, e);
      listener.end(RunStatus.FAILED, failure);
    }
    double meanStepMs = step == 0 ? 0 : (System.nanoTime() - startNanos) / 1e6 / step;
    listener.close(); // stops its command subscriber; the publisher stays the caller's
    if (!publisher.flush(REPORT_FLUSH_TIMEOUT)) {
      log.warn(
          "trainwatch: run {}: events still pending after {}", spec.runId(), REPORT_FLUSH_TIMEOUT);
    }
    return new TrainingReport(
        spec.runId(),
        spec.fault(),
        status,
        failure,
        step,
        step == 0 ? Double.NaN : net.score(),
        spec.fault() == Fault.NONE ? null : spec.onsetStep(),
        spec.recoveryStep(),
        firstNonFinite,
        meanStepMs,
        publisher.stats());
  }
}
