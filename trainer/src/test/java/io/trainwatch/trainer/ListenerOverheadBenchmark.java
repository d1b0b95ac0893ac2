package io.trainwatch.trainer;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Prints what the listener costs per training step: step time without a listener, with the listener
 * publishing to a publisher that discards, and with the listener publishing to a real (embedded)
 * Kafka broker; plus the time spent inside the listener's hooks, measured directly. Rounds of each
 * variant alternate on the same network so drift in machine load hits all of them alike; figures
 * are medians over rounds.
 *
 * <p>Not a test (no assertions): run it on a quiet machine, see docs/trainer.md for the command.
 * Arguments: {@code [rounds] [stepsPerRound]}.
 */
final class ListenerOverheadBenchmark {

  private ListenerOverheadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int stepsPerRound = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    System.out.printf(
        Locale.ROOT,
        "ND4J threads: %d; rounds: %d x %d steps per variant%n",
        Nd4j.getEnvironment().maxThreads(),
        rounds,
        stepsPerRound);
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      broker.createTopics(Topics.EVENTS);
      measure(
          "demo MLP 64-64-32-10, batch 32", mlp(64, 64, 32), 32, 64, rounds, stepsPerRound, broker);
      measure(
          "MLP 784-512-512-10, batch 128",
          mlp(784, 512, 512),
          128,
          784,
          rounds,
          stepsPerRound / 2,
          broker);
    }
  }

  private static void measure(
      String name,
      MultiLayerNetwork net,
      int batch,
      int features,
      int rounds,
      int steps,
      EmbeddedKafkaBroker broker) {
    List<DataSet> batches = randomBatches(8, batch, features);
    DiscardingPublisher discard = new DiscardingPublisher();
    TimedListener discardTimed =
        new TimedListener(
            TrainwatchListener.builder().publisher(discard).runId("bench-discard").build());
    KafkaEventPublisher kafka = KafkaEventPublisher.connect(broker.bootstrapServers());
    kafka.awaitReady(Duration.ofSeconds(30));
    TrainingListener toKafka =
        TrainwatchListener.builder().publisher(kafka).runId("bench-kafka").build();

    // Warm-up: JIT, workspaces, each listener's run_started.
    runSteps(net, batches, 3 * steps);
    net.setListeners(discardTimed);
    runSteps(net, batches, steps);
    net.setListeners(toKafka);
    runSteps(net, batches, steps);

    double[] none = new double[rounds];
    double[] listener = new double[rounds];
    double[] listenerKafka = new double[rounds];
    double[] hooks = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      net.setListeners();
      none[r] = runSteps(net, batches, steps);
      net.setListeners(discardTimed);
      long hookNanosBefore = discardTimed.totalNanos();
      listener[r] = runSteps(net, batches, steps);
      hooks[r] = (discardTimed.totalNanos() - hookNanosBefore) / 1e6 / steps;
      net.setListeners(toKafka);
      listenerKafka[r] = runSteps(net, batches, steps);
    }
    kafka.flush(Duration.ofSeconds(10));
    kafka.close();
    double base = median(none);
    System.out.printf(
        Locale.ROOT,
        "%s%n  no listener:                %7.3f ms/step%n"
            + "  trainwatch, discarding:     %7.3f ms/step (%+.1f%%)%n"
            + "  trainwatch, Kafka:          %7.3f ms/step (%+.1f%%)%n"
            + "  inside trainwatch's hooks:  %7.3f ms/step (%.1f%% of a step without listener)%n"
            + "  Kafka publisher: %s%n",
        name,
        base,
        median(listener),
        100 * (median(listener) / base - 1),
        median(listenerKafka),
        100 * (median(listenerKafka) / base - 1),
        median(hooks),
        100 * median(hooks) / base,
        kafka.stats());
  }

  /** Mean wall time per step, milliseconds. */
  private static double runSteps(MultiLayerNetwork net, List<DataSet> batches, int steps) {
    long start = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      net.fit(batches.get(i % batches.size()));
    }
    return (System.nanoTime() - start) / 1e6 / steps;
  }

  private static MultiLayerNetwork mlp(int in, int hidden1, int hidden2) {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(1)
                .updater(new Nesterovs(0.01, 0.9))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(
                    new DenseLayer.Builder()
                        .nIn(in)
                        .nOut(hidden1)
                        .activation(Activation.RELU)
                        .build())
                .layer(
                    new DenseLayer.Builder()
                        .nIn(hidden1)
                        .nOut(hidden2)
                        .activation(Activation.RELU)
                        .build())
                .layer(
                    new OutputLayer.Builder(new LossMCXENT())
                        .nIn(hidden2)
                        .nOut(10)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
    net.init();
    return net;
  }

  private static List<DataSet> randomBatches(int count, int rows, int features) {
    List<DataSet> out = new ArrayList<>();
    Nd4j.getRandom().setSeed(1);
    for (int i = 0; i < count; i++) {
      INDArray x = Nd4j.randn(DataType.FLOAT, rows, features);
      INDArray y = Nd4j.zeros(DataType.FLOAT, rows, 10);
      for (int r = 0; r < rows; r++) {
        y.putScalar(r, (r * 7 + i) % 10, 1f);
      }
      out.add(new DataSet(x, y));
    }
    return out;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** Counts and forgets: isolates the listener's own cost. */
  private static final class DiscardingPublisher implements EventPublisher {
    private long published;

    @Override
    public void publish(TrainingEvent event) {
      published++;
    }

    @Override
    public PublisherStats stats() {
      return new PublisherStats(published, published, 0, 0);
    }

    @Override
    public boolean flush(Duration timeout) {
      return true;
    }

    @Override
    public void close() {}
  }
}
