package io.trainwatch.trainer;

import static io.trainwatch.trainer.TensorSummarizerTest.hostMoments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputEncoding;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.TrainingEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** The listener on real tiny DL4J networks, publishing to memory. */
class TrainwatchListenerIT {

  private static final int FEATURES = 4;
  private static final int CLASSES = 3;
  private static final int ROWS = 6;
  private static final double LEARNING_RATE = 0.1;
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);

  private final InMemoryEventPublisher publisher = new InMemoryEventPublisher();

  @Test
  void shouldPublishRunStartedDescribingTheNetworkAndItsLoss() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    TrainwatchListener listener =
        listener()
            .label("team", "vision")
            .rule("loss_plateau", "enabled", false)
            .inputRange(-3, 3)
            .build();
    net.setListeners(listener);

    net.fit(features(1), labels(1));

    RunStarted started = (RunStarted) publisher.events().get(0);
    assertThat(started.runId()).isEqualTo("run-1");
    assertThat(started.tsMs()).isEqualTo(CLOCK.millis());
    assertThat(started.framework()).isEqualTo("dl4j");
    assertThat(started.job()).isEqualTo("tiny");
    assertThat(started.host()).isEqualTo("host-a");
    assertThat(started.rank()).isEqualTo(0);
    assertThat(started.numClasses()).isEqualTo(CLASSES);
    assertThat(started.labels()).containsEntry("team", "vision");
    assertThat(started.rules()).containsEntry("loss_plateau", Map.of("enabled", false));
    assertThat(started.inputRange().max()).isEqualTo(3);
    assertThat(started.loss())
        .isEqualTo(new LossDescriptor("LossMCXENT", InputKind.PROBABILITIES, "softmax", 0.0));
    assertThat(started.model())
        .isEqualTo("MultiLayerNetwork dense(4-8,tanh) output(8-3,softmax,LossMCXENT)");
  }

  @Test
  void shouldPublishStatisticsEqualToThoseComputedIndependently() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    net.setListeners(listener().build());

    for (int step = 0; step < 3; step++) {
      INDArray x = features(step);
      INDArray y = labels(step);
      // Same parameters as the training pass about to run, so the same output and gradient.
      float[] expectedOutput = net.output(x).data().asFloat();
      MultiLayerNetwork twin = net.clone();
      twin.setListeners();
      twin.setInput(x);
      twin.setLabels(y);
      twin.computeGradientAndScore();
      // DL4J's raw gradient is of the summed loss; the published norm is of the mean loss.
      double expectedGradNorm = twin.getFlattenedGradients().norm2Number().doubleValue() / ROWS;
      // The first layer's weights and biases, read by name from the gradient rather than from the
      // listener's view.
      double expectedFirstLayerGradNorm =
          Math.hypot(
                  twin.gradient().getGradientFor("0_W").norm2Number().doubleValue(),
                  twin.gradient().getGradientFor("0_b").norm2Number().doubleValue())
              / ROWS;

      net.fit(x, y);

      BatchEvent b = publisher.batches().get(step);
      assertThat(b.step()).isEqualTo(step);
      assertThat(b.epoch()).isZero();
      assertThat(b.batchSize()).isEqualTo(ROWS);
      assertThat(b.loss()).isEqualTo(net.score()).isCloseTo(twin.score(), within(1e-6));
      assertMatches(b.input(), x.data().asFloat());
      assertMatches(b.output(), expectedOutput);
      assertThat(b.output().rowSumMean()).isCloseTo(1.0, within(1e-6));
      assertThat(b.output().rowSumStd()).isCloseTo(0.0, within(1e-6));
      assertThat(b.predictions()).isEqualTo(hostPredictions(expectedOutput));
      assertThat(b.gradNorm()).isCloseTo(expectedGradNorm, within(1e-5 * expectedGradNorm));
      assertThat(b.firstLayerGradNorm())
          .isCloseTo(expectedFirstLayerGradNorm, within(1e-5 * expectedGradNorm))
          .isPositive()
          .isLessThan(b.gradNorm());
      assertThat(b.lr()).isEqualTo(LEARNING_RATE);
      if (step == 0) {
        assertThat(b.stepMs()).isNull();
      } else {
        assertThat(b.stepMs()).isPositive();
      }
    }
  }

  @Test
  void shouldWorkOnAComputationGraph() {
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .updater(new Sgd(LEARNING_RATE))
            .weightInit(WeightInit.XAVIER)
            .graphBuilder()
            .addInputs("pixels")
            .addLayer(
                "hidden",
                new DenseLayer.Builder().nIn(FEATURES).nOut(8).activation(Activation.RELU).build(),
                "pixels")
            .addLayer(
                "out",
                new OutputLayer.Builder(new LossMCXENT())
                    .nIn(8)
                    .nOut(CLASSES)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "hidden")
            .setOutputs("out")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    graph.setListeners(listener().build());
    INDArray x = features(5);
    float[] expectedOutput = graph.outputSingle(x).data().asFloat();

    graph.fit(new INDArray[] {x}, new INDArray[] {labels(5)});

    RunStarted started = (RunStarted) publisher.events().get(0);
    assertThat(started.model())
        .startsWith("ComputationGraph hidden:dense(4-8,relu) out:output(8-3,softmax");
    assertThat(started.numClasses()).isEqualTo(CLASSES);
    BatchEvent b = publisher.batches().get(0);
    assertMatches(b.input(), x.data().asFloat());
    assertMatches(b.output(), expectedOutput);
    assertThat(b.gradNorm()).isPositive();
    // The hidden layer (4x8 weights + 8 biases) is a part of the whole gradient, never all of it.
    assertThat(b.firstLayerGradNorm()).isPositive().isLessThan(b.gradNorm());
    assertThat(b.lr()).isEqualTo(LEARNING_RATE);
  }

  @Test
  void shouldReportTheFirstLayerThatTrainsNotAFrozenOne() {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .updater(new Sgd(LEARNING_RATE))
            .weightInit(WeightInit.XAVIER)
            .list()
            .layer(
                new FrozenLayer(
                    new DenseLayer.Builder()
                        .nIn(FEATURES)
                        .nOut(8)
                        .activation(Activation.TANH)
                        .build()))
            .layer(new DenseLayer.Builder().nIn(8).nOut(5).activation(Activation.TANH).build())
            .layer(
                new OutputLayer.Builder(new LossMCXENT())
                    .nIn(5)
                    .nOut(CLASSES)
                    .activation(Activation.SOFTMAX)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    net.setListeners(listener().build());
    MultiLayerNetwork twin = net.clone();
    twin.setListeners();
    twin.setInput(features(2));
    twin.setLabels(labels(2));
    twin.computeGradientAndScore();
    double expected =
        Math.hypot(
                twin.gradient().getGradientFor("1_W").norm2Number().doubleValue(),
                twin.gradient().getGradientFor("1_b").norm2Number().doubleValue())
            / ROWS;

    net.fit(features(2), labels(2));

    // A frozen layer's gradient is zero by design: reporting it would read as a vanished gradient.
    assertThat(publisher.batches().get(0).firstLayerGradNorm())
        .isPositive()
        .isCloseTo(expected, within(1e-5 * expected));
  }

  @Test
  void shouldDescribeALossThatExpectsLogProbabilitiesBehindSoftmax() {
    MultiLayerNetwork net = mlp(new LogProbNllLoss(), Activation.SOFTMAX);
    net.setListeners(listener().build());

    net.fit(features(0), labels(0));

    RunStarted started = (RunStarted) publisher.events().get(0);
    assertThat(started.loss())
        .isEqualTo(
            new LossDescriptor("LogProbNllLoss", InputKind.LOG_PROBABILITIES, "softmax", 0.0));
    assertThat(publisher.batches().get(0).loss()).isBetween(-1.0, 0.0);
  }

  @Test
  void shouldDeclareTokenIdsBehindAnEmbeddingLayer() {
    int vocabulary = 500;
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(7)
            .updater(new Sgd(LEARNING_RATE))
            .list()
            .layer(new EmbeddingLayer.Builder().nIn(vocabulary).nOut(8).build())
            .layer(
                new OutputLayer.Builder(new LossMCXENT())
                    .nIn(8)
                    .nOut(CLASSES)
                    .activation(Activation.SOFTMAX)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    net.setListeners(listener().build());
    INDArray ids = Nd4j.create(new float[] {0, 17, 499, 250, 3, 421}, new long[] {ROWS, 1});

    net.fit(ids, labels(1));

    assertThat(((RunStarted) publisher.events().get(0)).inputEncoding())
        .isEqualTo(InputEncoding.TOKEN_IDS);
    assertThat(((BatchEvent) publisher.events().get(1)).input().max()).isEqualTo(499.0);
  }

  @Test
  void shouldLeaveTheInputEncodingOfAFeatureNetworkAbsent() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    net.setListeners(listener().build());

    net.fit(features(1), labels(1));

    assertThat(((RunStarted) publisher.events().get(0)).inputEncoding()).isNull();
  }

  @Test
  void shouldPublishRunEndedOnceAndNothingAfterIt() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    TrainwatchListener listener = listener().build();
    net.setListeners(listener);
    net.fit(features(0), labels(0));

    listener.end(RunStatus.FAILED, "java.lang.IllegalStateException: boom");
    listener.end(RunStatus.COMPLETED, null);
    listener.close();
    net.fit(features(1), labels(1));

    List<TrainingEvent> events = publisher.events();
    assertThat(events)
        .extracting(TrainingEvent::type)
        .containsExactly("run_started", "batch", "run_ended");
    assertThat(events.get(2))
        .isEqualTo(
            new RunEnded(
                "run-1",
                CLOCK.millis(),
                RunStatus.FAILED,
                "java.lang.IllegalStateException: boom"));
    assertThat(listener.hasEnded()).isTrue();
  }

  @Test
  void shouldPublishRunStartedBeforeTheFirstIterationWhenAsked() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    TrainwatchListener listener = listener().build();

    listener.start(net);
    listener.start(net);
    net.setListeners(listener);
    net.fit(features(0), labels(0));

    assertThat(publisher.events())
        .extracting(TrainingEvent::type)
        .containsExactly("run_started", "batch");
  }

  @Test
  void shouldNeverFailATrainingStepWhenThePublisherThrows() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    EventPublisher broken =
        new EventPublisher() {
          @Override
          public void publish(TrainingEvent event) {
            throw new IllegalStateException("publisher broken");
          }

          @Override
          public PublisherStats stats() {
            return new PublisherStats(0, 0, 0, 0);
          }

          @Override
          public boolean flush(Duration timeout) {
            return true;
          }

          @Override
          public void close() {}
        };
    net.setListeners(TrainwatchListener.builder().publisher(broken).runId("run-broken").build());
    INDArray before = net.params().dup();

    for (int step = 0; step < 3; step++) {
      net.fit(features(step), labels(step));
    }

    assertThat(net.params().equalsWithEps(before, 0)).isFalse();
    assertThat(net.getIterationCount()).isEqualTo(3);
  }

  @Test
  void shouldCountEpochsTheModelCounts() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    net.setListeners(listener().build());

    net.fit(features(0), labels(0));
    net.incrementEpochCount();
    net.fit(features(1), labels(1));

    assertThat(publisher.batches()).extracting(BatchEvent::epoch).containsExactly(0, 1);
    assertThat(publisher.batches()).extracting(BatchEvent::step).containsExactly(0L, 1L);
  }

  @Test
  void shouldPublishTheFleetFieldsItIsConfiguredWith() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    net.setListeners(listener().rank(2).worldSize(4).device("GPU-8f2c1d0e").attempt(3).build());

    net.fit(features(0), labels(0));

    RunStarted started = (RunStarted) publisher.events().get(0);
    assertThat(started.rank()).isEqualTo(2);
    assertThat(started.worldSize()).isEqualTo(4);
    assertThat(started.device()).isEqualTo("GPU-8f2c1d0e");
    assertThat(started.attempt()).isEqualTo(3);
  }

  @Test
  void shouldDescribeASingleProcessOnItsNd4jDeviceByDefault() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    net.setListeners(TrainwatchListener.builder().publisher(publisher).runId("run-1").build());

    net.fit(features(0), labels(0));

    RunStarted started = (RunStarted) publisher.events().get(0);
    assertThat(started.rank()).isZero();
    assertThat(started.worldSize()).isEqualTo(1);
    assertThat(started.attempt()).isZero();
    assertThat(started.device()).isEqualTo("cpu");
  }

  @Test
  void shouldRefuseARankOutsideTheWorld() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> listener().rank(4).worldSize(4).build())
        .withMessage("rank=4: must be >= 0 and < worldSize=4");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> listener().attempt(-1).build())
        .withMessage("attempt=-1: must be >= 0");
  }

  @Test
  void shouldTimeTheDataWaitAndTheComputeOfAnIteratorItWraps() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    TrainwatchListener listener = listener().build();
    net.setListeners(listener);
    List<DataSet> batches = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      batches.add(new DataSet(features(i), labels(i)));
    }
    DataSetIterator slow = new SlowIterator(batches, 25);

    net.fit(listener.timed(slow));

    List<BatchEvent> events = publisher.batches();
    assertThat(events).hasSize(4);
    for (BatchEvent b : events) {
      // The loader sleeps 25 ms per batch on the training thread: the wait is at least that.
      assertThat(b.dataMs()).as("step " + b.step()).isGreaterThanOrEqualTo(25.0);
      assertThat(b.computeMs()).as("step " + b.step()).isNotNull().isPositive();
      if (b.stepMs() != null) {
        // Two disjoint parts of the step.
        assertThat(b.dataMs() + b.computeMs()).isLessThanOrEqualTo(b.stepMs());
      }
    }
    assertThat(net.getIterationCount()).isEqualTo(4);
  }

  @Test
  void shouldTimeTheDataWaitAndTheComputeOfALoopThatSaysWhenItsBatchIsReady()
      throws InterruptedException {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    TrainwatchListener listener = listener().build();
    net.setListeners(listener);

    for (int step = 0; step < 3; step++) {
      Thread.sleep(20); // loading the batch
      DataSet batch = new DataSet(features(step), labels(step));
      listener.dataReady();
      net.fit(batch);
    }

    List<BatchEvent> events = publisher.batches();
    // The first iteration has no previous one to count the wait from.
    assertThat(events.get(0).dataMs()).isNull();
    assertThat(events.get(0).computeMs()).isNotNull().isPositive();
    for (BatchEvent b : events.subList(1, 3)) {
      assertThat(b.dataMs()).isGreaterThanOrEqualTo(20.0);
      assertThat(b.computeMs()).isNotNull().isPositive();
      assertThat(b.dataMs() + b.computeMs()).isLessThanOrEqualTo(b.stepMs());
    }
  }

  @Test
  void shouldPublishNoPhaseItCannotTellApart() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    net.setListeners(listener().build());

    net.fit(features(0), labels(0));
    net.fit(features(1), labels(1));

    assertThat(publisher.batches()).extracting(BatchEvent::dataMs).containsOnlyNulls();
    assertThat(publisher.batches()).extracting(BatchEvent::computeMs).containsOnlyNulls();
    assertThat(publisher.batches()).extracting(BatchEvent::lossScale).containsOnlyNulls();
    assertThat(publisher.batches()).extracting(BatchEvent::skipped).containsOnlyNulls();
  }

  @Test
  void shouldPublishTheLossScalerStateOfTheIteration() {
    MultiLayerNetwork net = mlp(new LossMCXENT(), Activation.SOFTMAX);
    TrainwatchListener listener = listener().build();
    net.setListeners(listener);

    listener.lossScale(65536, true);
    net.fit(features(0), labels(0));
    net.fit(features(1), labels(1));

    assertThat(publisher.batches().get(0).lossScale()).isEqualTo(65536.0);
    assertThat(publisher.batches().get(0).skipped()).isTrue();
    assertThat(publisher.batches().get(1).lossScale()).isNull();
    assertThat(publisher.batches().get(1).skipped()).isNull();
  }

  /** A data loader that takes {@code sleepMs} per batch, on the caller's thread. */
  private static final class SlowIterator implements DataSetIterator {
    private final List<DataSet> batches;
    private final long sleepMs;
    private int next;

    SlowIterator(List<DataSet> batches, long sleepMs) {
      this.batches = batches;
      this.sleepMs = sleepMs;
    }

    @Override
    public boolean hasNext() {
      return next < batches.size();
    }

    @Override
    public DataSet next() {
      try {
        Thread.sleep(sleepMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return batches.get(next++);
    }

    @Override
    public DataSet next(int num) {
      return next();
    }

    @Override
    public int inputColumns() {
      return FEATURES;
    }

    @Override
    public int totalOutcomes() {
      return CLASSES;
    }

    @Override
    public boolean resetSupported() {
      return true;
    }

    @Override
    public boolean asyncSupported() {
      return false;
    }

    @Override
    public void reset() {
      next = 0;
    }

    @Override
    public int batch() {
      return ROWS;
    }

    @Override
    public void setPreProcessor(org.nd4j.linalg.dataset.api.DataSetPreProcessor preProcessor) {}

    @Override
    public org.nd4j.linalg.dataset.api.DataSetPreProcessor getPreProcessor() {
      return null;
    }

    @Override
    public List<String> getLabels() {
      return null;
    }
  }

  private TrainwatchListener.Builder listener() {
    return TrainwatchListener.builder()
        .publisher(publisher)
        .runId("run-1")
        .job("tiny")
        .host("host-a")
        .rank(0)
        .clock(CLOCK);
  }

  private static MultiLayerNetwork mlp(ILossFunction loss, Activation outputActivation) {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(7)
            .updater(new Sgd(LEARNING_RATE))
            .weightInit(WeightInit.XAVIER)
            .list()
            .layer(
                new DenseLayer.Builder().nIn(FEATURES).nOut(8).activation(Activation.TANH).build())
            .layer(
                new OutputLayer.Builder(loss)
                    .nIn(8)
                    .nOut(CLASSES)
                    .activation(outputActivation)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  private static INDArray features(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] v = new float[ROWS * FEATURES];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (6 * random.nextDouble() - 2);
    }
    return Nd4j.create(v, new long[] {ROWS, FEATURES}, DataType.FLOAT);
  }

  private static INDArray labels(long seed) {
    SplittableRandom random = new SplittableRandom(seed + 100);
    INDArray y = Nd4j.zeros(DataType.FLOAT, ROWS, CLASSES);
    for (int r = 0; r < ROWS; r++) {
      y.putScalar(r, random.nextInt(CLASSES), 1f);
    }
    return y;
  }

  /** Argmax per row, then the spread of the predicted classes. */
  private static Predictions hostPredictions(float[] output) {
    int[] counts = new int[CLASSES];
    for (int r = 0; r < ROWS; r++) {
      int best = 0;
      for (int c = 1; c < CLASSES; c++) {
        if (output[r * CLASSES + c] > output[r * CLASSES + best]) {
          best = c;
        }
      }
      counts[best]++;
    }
    return PredictionSpread.of(counts, ROWS);
  }

  private static void assertMatches(Stats s, float[] values) {
    double[] expected = hostMoments(values);
    assertThat(s.min()).isCloseTo(expected[0], within(1e-6));
    assertThat(s.max()).isCloseTo(expected[1], within(1e-6));
    assertThat(s.mean()).isCloseTo(expected[2], within(1e-6));
    assertThat(s.std()).isCloseTo(expected[3], within(1e-5));
    assertThat(s.nonfinite()).isZero();
    assertThat(s.count()).isEqualTo(values.length);
  }
}
