package io.trainwatch.trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Prints the median time per step spent in each of the listener's hooks, in the training thread, on
 * the benchmark's model (MLP 784-1024-512-10, ReLU, softmax + MCXENT, Adam, batch 128, as bench's
 * {@code TrainerOverheadBench}), with the listener publishing to memory. Not a test (no
 * assertions). Arguments: {@code [steps]}.
 */
final class ListenerHookProfile {

  private ListenerHookProfile() {}

  public static void main(String[] args) {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(42)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(
                    new DenseLayer.Builder()
                        .nIn(784)
                        .nOut(1024)
                        .activation(Activation.RELU)
                        .build())
                .layer(
                    new DenseLayer.Builder()
                        .nIn(1024)
                        .nOut(512)
                        .activation(Activation.RELU)
                        .build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(512)
                        .nOut(10)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
    net.init();
    Nd4j.getRandom().setSeed(42);
    List<DataSet> batches = new ArrayList<>();
    for (int b = 0; b < 8; b++) {
      INDArray x = Nd4j.randn(128, 784);
      INDArray y = Nd4j.zeros(128, 10);
      for (int r = 0; r < 128; r++) {
        y.putScalar(r, Math.floorMod(r * 7 + b, 10), 1.0);
      }
      batches.add(new DataSet(x, y));
    }
    TimedListener timed =
        new TimedListener(
            TrainwatchListener.builder()
                .publisher(new InMemoryEventPublisher())
                .runId("hook-profile")
                .build());
    net.setListeners(timed);
    for (int i = 0; i < steps; i++) {
      net.fit(batches.get(i % batches.size()));
    }
    double[] step = new double[steps];
    long[][] hookNanos = new long[TimedListener.HOOKS.length][steps];
    for (int i = 0; i < steps; i++) {
      long[] before = new long[TimedListener.HOOKS.length];
      for (int h = 0; h < before.length; h++) {
        before[h] = timed.nanos(h);
      }
      long t = System.nanoTime();
      net.fit(batches.get(i % batches.size()));
      step[i] = (System.nanoTime() - t) / 1e3;
      for (int h = 0; h < before.length; h++) {
        hookNanos[h][i] = timed.nanos(h) - before[h];
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%d steps; step median %.0f us; ND4J threads %d%n",
        steps,
        median(step),
        Nd4j.getEnvironment().maxThreads());
    double[] total = new double[steps];
    for (int h = 0; h < TimedListener.HOOKS.length; h++) {
      double[] us = new double[steps];
      for (int i = 0; i < steps; i++) {
        us[i] = hookNanos[h][i] / 1e3;
        total[i] += us[i];
      }
      System.out.printf(
          Locale.ROOT,
          "  %-22s median %8.1f us  p90 %8.1f us%n",
          TimedListener.HOOKS[h],
          median(us),
          pct(us, 0.9));
    }
    System.out.printf(
        Locale.ROOT,
        "  %-22s median %8.1f us  p90 %8.1f us%n",
        "listener total",
        median(total),
        pct(total, 0.9));
  }

  private static double median(double[] v) {
    return pct(v, 0.5);
  }

  private static double pct(double[] v, double p) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.floor(p * s.length))];
  }
}
