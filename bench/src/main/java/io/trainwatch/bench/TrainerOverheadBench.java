package io.trainwatch.bench;

import io.trainwatch.trainer.InMemoryEventPublisher;
import io.trainwatch.trainer.TrainwatchListener;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Item 3: what a listener costs the training it watches. One DL4J network, one set of batches,
 * trained in blocks of iterations with no listener, with trainwatch's listener (publishing to
 * Kafka, and keeping its events in memory, to separate its statistics from the transport) and with
 * DL4J's {@link StatsListener}; the order of the setups rotates every repetition so that drift
 * (JIT, thermal, neighbours) spreads evenly over them.
 */
public final class TrainerOverheadBench {

  /** The ways of training compared. */
  public enum Setup {
    NO_LISTENER("no listener"),
    EMPTY_LISTENER("a listener that does nothing (what DL4J's listener calls cost)"),
    TRAINWATCH("trainwatch listener (publishing to Kafka)"),
    TRAINWATCH_IN_MEMORY(
        "trainwatch listener, events kept in memory (its statistics alone, no Kafka)"),
    DL4J_STATS("DL4J StatsListener (in-memory storage, every iteration)");

    private final String label;

    Setup(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * How big a test.
   *
   * @param hidden width of the first hidden layer (the second is half); sets the step time
   * @param batchSize examples per step
   * @param iterationsPerBlock steps timed per block; blocks of the setups alternate
   * @param repetitions blocks per setup (after one warm-up block each)
   * @param nativeThreads threads ND4J (OpenMP) and its BLAS may use for the training
   */
  public record Size(
      int hidden, int batchSize, int iterationsPerBlock, int repetitions, int nativeThreads) {

    public Size {
      if (hidden < 2
          || batchSize < 1
          || iterationsPerBlock < 1
          || repetitions < 1
          || nativeThreads < 1) {
        throw new IllegalArgumentException(
            "hidden="
                + hidden
                + ", batchSize="
                + batchSize
                + ", iterationsPerBlock="
                + iterationsPerBlock
                + ", repetitions="
                + repetitions
                + ", nativeThreads="
                + nativeThreads
                + ": must be positive (hidden >= 2)");
      }
    }
  }

  /**
   * The outcome.
   *
   * @param stepMs per setup, the median step time of each block, summarized over blocks
   * @param overheadByRound per setup, its block's median step time ÷ the no-listener block's of the
   *     same round − 1, summarized over rounds: each ratio compares blocks trained seconds apart,
   *     so load that comes and goes on a shared machine cancels out instead of landing on whichever
   *     setup it happened to hit
   * @param model a description of the network
   * @param parameters number of trainable parameters
   */
  public record Result(
      Map<Setup, Summary> stepMs,
      Map<Setup, Summary> overheadByRound,
      String model,
      long parameters,
      Size size) {

    /** Relative overhead of a setup over no listener, the median over rounds (0.02 = 2% slower). */
    public double overhead(Setup setup) {
      return overheadByRound.get(setup).median();
    }

    /**
     * How many times more overhead StatsListener adds than trainwatch (∞ when trainwatch's is not
     * measurable).
     */
    public double statsOverTrainwatch() {
      double tw = overhead(Setup.TRAINWATCH);
      return tw <= 0 ? Double.POSITIVE_INFINITY : overhead(Setup.DL4J_STATS) / tw;
    }
  }

  private static final int INPUTS = 784;
  private static final int CLASSES = 10;
  private static final int DISTINCT_BATCHES = 8;

  private TrainerOverheadBench() {}

  /**
   * Runs the comparison.
   *
   * @param trainwatchListener creates trainwatch's listener for a run id; it must publish to a live
   *     broker
   */
  public static Result run(
      Size size, Function<String, TrainingListener> trainwatchListener, long seed) {
    int threads = Nd4j.getEnvironment().maxThreads();
    int masterThreads = Nd4j.getEnvironment().maxMasterThreads();
    int blasThreads = Nd4j.factory().blas().getMaxThreads();
    setNativeThreads(size.nativeThreads(), size.nativeThreads(), size.nativeThreads());
    try {
      return compare(size, trainwatchListener, seed);
    } finally {
      setNativeThreads(threads, masterThreads, blasThreads);
    }
  }

  private static void setNativeThreads(int threads, int masterThreads, int blasThreads) {
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(masterThreads);
    Nd4j.factory().blas().setMaxThreads(blasThreads);
  }

  private static Result compare(
      Size size, Function<String, TrainingListener> trainwatchListener, long seed) {
    MultiLayerNetwork net = network(size.hidden(), seed);
    List<DataSet> batches = batches(size.batchSize(), seed);
    Setup[] setups = Setup.values();
    // One listener per setup for the whole comparison, as in a real run: one-off set-up costs
    // (StatsListener's
    // initialization report, the publisher's connection) fall in the warm-up block, not in the
    // figures.
    Map<Setup, List<TrainingListener>> listeners = new EnumMap<>(Setup.class);
    Map<Setup, List<Double>> blockMedians = new EnumMap<>(Setup.class);
    for (Setup s : setups) {
      listeners.put(
          s,
          listeners(
              s, trainwatchListener, "overhead-" + s.name().toLowerCase(java.util.Locale.ROOT)));
      timeBlock(net, batches, listeners.get(s), size.iterationsPerBlock());
      blockMedians.put(s, new ArrayList<>());
    }
    try {
      for (int rep = 0; rep < size.repetitions(); rep++) {
        for (int k = 0; k < setups.length; k++) {
          Setup s = setups[(rep + k) % setups.length];
          blockMedians
              .get(s)
              .add(timeBlock(net, batches, listeners.get(s), size.iterationsPerBlock()));
        }
      }
    } finally {
      listeners.values().forEach(TrainerOverheadBench::closeAll);
    }
    Map<Setup, Summary> stepMs = new EnumMap<>(Setup.class);
    blockMedians.forEach((s, v) -> stepMs.put(s, Summary.of(v)));
    Map<Setup, Summary> overheadByRound = overheadByRound(blockMedians);
    String model =
        String.format(
            java.util.Locale.ROOT,
            "MLP %d-%d-%d-%d (ReLU, softmax + MCXENT, Adam), batch %d",
            INPUTS,
            size.hidden(),
            size.hidden() / 2,
            CLASSES,
            size.batchSize());
    return new Result(stepMs, overheadByRound, model, net.numParams(), size);
  }

  /**
   * Each listener's block ÷ the no-listener block of the same round, minus one, summarized over
   * rounds.
   */
  static Map<Setup, Summary> overheadByRound(Map<Setup, List<Double>> blockMedians) {
    Map<Setup, Summary> overhead = new EnumMap<>(Setup.class);
    List<Double> none = blockMedians.get(Setup.NO_LISTENER);
    for (Setup s : blockMedians.keySet()) {
      if (s == Setup.NO_LISTENER) {
        continue;
      }
      List<Double> ratios = new ArrayList<>();
      for (int round = 0; round < none.size(); round++) {
        ratios.add(blockMedians.get(s).get(round) / none.get(round) - 1);
      }
      overhead.put(s, Summary.of(ratios));
    }
    return overhead;
  }

  private static List<TrainingListener> listeners(
      Setup setup, Function<String, TrainingListener> trainwatchListener, String runId) {
    return switch (setup) {
      case NO_LISTENER -> List.of();
      case EMPTY_LISTENER -> List.of(new BaseTrainingListener() {});
      case TRAINWATCH -> List.of(trainwatchListener.apply(runId));
      case TRAINWATCH_IN_MEMORY ->
          List.of(
              TrainwatchListener.builder()
                  .publisher(new InMemoryEventPublisher())
                  .runId(runId)
                  .job("bench-trainer-overhead")
                  .build());
      // Frequency 1: the same per-iteration view trainwatch gives (the StatsListener default is
      // every 10th).
      case DL4J_STATS -> List.of(new StatsListener(new InMemoryStatsStorage(), 1));
    };
  }

  /** Trains one block and returns the median step time in milliseconds. */
  private static double timeBlock(
      MultiLayerNetwork net,
      List<DataSet> batches,
      List<TrainingListener> listeners,
      int iterations) {
    net.setListeners(listeners);
    double[] stepMs = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      DataSet batch = batches.get(i % batches.size());
      long start = System.nanoTime();
      net.fit(batch);
      stepMs[i] = (System.nanoTime() - start) / 1e6;
    }
    net.setListeners(List.<TrainingListener>of());
    return Summary.of(stepMs).median();
  }

  private static void closeAll(List<TrainingListener> listeners) {
    for (TrainingListener l : listeners) {
      if (l instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing " + l + ": " + e.getMessage(), e);
        }
      }
    }
  }

  static MultiLayerNetwork network(int hidden, long seed) {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .updater(new Adam(1e-3))
            .weightInit(WeightInit.XAVIER)
            .list()
            .layer(
                new DenseLayer.Builder()
                    .nIn(INPUTS)
                    .nOut(hidden)
                    .activation(Activation.RELU)
                    .build())
            .layer(
                new DenseLayer.Builder()
                    .nIn(hidden)
                    .nOut(hidden / 2)
                    .activation(Activation.RELU)
                    .build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(hidden / 2)
                    .nOut(CLASSES)
                    .activation(Activation.SOFTMAX)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  /**
   * Standardized random features with random one-hot labels: the step time does not depend on the
   * data.
   */
  static List<DataSet> batches(int batchSize, long seed) {
    Nd4j.getRandom().setSeed(seed);
    List<DataSet> out = new ArrayList<>(DISTINCT_BATCHES);
    for (int b = 0; b < DISTINCT_BATCHES; b++) {
      INDArray features = Nd4j.randn(batchSize, INPUTS);
      INDArray labels = Nd4j.zeros(batchSize, CLASSES);
      for (int row = 0; row < batchSize; row++) {
        labels.putScalar(row, Math.floorMod(row * 7 + b, CLASSES), 1.0);
      }
      out.add(new DataSet(features, labels));
    }
    return out;
  }
}
