package io.trainwatch.reliability;

import io.trainwatch.trainer.InputScaling;
import io.trainwatch.trainer.SyntheticPixels;
import io.trainwatch.trainer.TrainwatchListener;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A real DL4J training of a small MLP on generated 8x8 images whose weights turn NaN after the
 * update of {@code injectAt}: the checkpoint the listener saves at that step (if it saves one)
 * already holds the NaN weights, as in the incident where NaN weights were checkpointed while
 * rotation deleted the healthy ones. Steps are paced like a real accelerator's (tens of ms of
 * compute each), so that a step boundary comes a few times per second.
 */
final class NanInjectedTraining {

  private NanInjectedTraining() {}

  /** The minibatches in order, once. */
  private static final class Batches implements DataSetIterator {
    private static final long serialVersionUID = 1L;
    private final List<DataSet> batches;
    private int next;

    Batches(List<DataSet> batches) {
      this.batches = batches;
    }

    @Override
    public boolean hasNext() {
      return next < batches.size();
    }

    @Override
    public DataSet next() {
      return batches.get(next++);
    }

    @Override
    public DataSet next(int num) {
      return next();
    }

    @Override
    public int inputColumns() {
      return SyntheticPixels.FEATURES;
    }

    @Override
    public int totalOutcomes() {
      return 4;
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
      return 16;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {}

    @Override
    public DataSetPreProcessor getPreProcessor() {
      return null;
    }

    @Override
    public List<String> getLabels() {
      return null;
    }
  }

  /** What happened. */
  record Outcome(int stepsRun, boolean stopRequested, String stopReason) {}

  /**
   * Trains with {@code fit(listener.stoppable(iterator))} for at most {@code maxSteps} steps.
   *
   * @param injectAt the step after whose update the weights turn NaN, or -1 for a healthy run
   */
  static Outcome train(
      TrainwatchListener listener, int maxSteps, int injectAt, long paceMs, long seed) {
    return train(listener, newNet(seed), maxSteps, injectAt, paceMs, seed);
  }

  /** A fresh small MLP: 64 inputs, 16 ReLU units, 4 softmax outputs. */
  static MultiLayerNetwork newNet(long seed) {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .updater(new Sgd(0.1))
            .list()
            .layer(
                new DenseLayer.Builder()
                    .nIn(SyntheticPixels.FEATURES)
                    .nOut(16)
                    .activation(Activation.RELU)
                    .build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(16)
                    .nOut(4)
                    .activation(Activation.SOFTMAX)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  /**
   * Trains {@code net} (fresh, or restored from a checkpoint: its steps continue from there) for at
   * most {@code maxSteps} more steps.
   */
  static Outcome train(
      TrainwatchListener listener,
      MultiLayerNetwork net,
      int maxSteps,
      int injectAt,
      long paceMs,
      long seed) {
    SyntheticPixels data = SyntheticPixels.generate(4, 512, seed);
    int[] order = data.shuffledOrder(new SplittableRandom(seed));
    List<DataSet> batches = new ArrayList<>();
    for (int step = 0; step < maxSteps; step++) {
      batches.add(data.batch(order, (step * 16) % (512 - 16), 16, InputScaling.STANDARDIZED));
    }
    int first = net.getIterationCount();
    int[] steps = {0};
    BaseTrainingListener injector =
        new BaseTrainingListener() {
          @Override
          public void iterationDone(Model model, int iteration, int epoch) {
            steps[0] = iteration + 1 - first;
            if (iteration == injectAt) {
              model.params().putScalar(0, Double.NaN);
            }
            try {
              Thread.sleep(paceMs);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    // The injector first: the listener's checkpoint of the injection step holds the NaN.
    net.setListeners(injector, listener);
    listener.start(net);
    net.fit(listener.stoppable(new Batches(batches)), 1);
    return new Outcome(steps[0], listener.stopRequested(), listener.stopReason());
  }
}
