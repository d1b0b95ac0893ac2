package io.trainwatch.bench;

import io.trainwatch.schemas.util.Quantiles;
import io.trainwatch.trainer.InMemoryEventPublisher;
import io.trainwatch.trainer.TrainwatchListener;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Prints the median time per step spent in each of the listener's hooks, in the training thread, on
 * the trainer section's model ({@link TrainerOverheadBench}: MLP 784-1024-512-10, ReLU, softmax +
 * MCXENT, Adam, batch 128), with the listener publishing to memory: where the overhead that {@code
 * ./trainwatch bench --only trainer} measures goes. Not a test (no assertions). Arguments: {@code
 * [steps]}; run with {@code java -cp 'bench/target/trainwatch-bench.jar:bench/target/lib/*'
 * io.trainwatch.bench.ListenerHookProfile 300}.
 */
final class ListenerHookProfile {

  private ListenerHookProfile() {}

  public static void main(String[] args) {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    // The trainer section's model and data (TrainerOverheadBench), so both measure the same thing.
    MultiLayerNetwork net = TrainerOverheadBench.network(1024, 42);
    List<DataSet> batches = TrainerOverheadBench.batches(128, 42);
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
    return Quantiles.median(v);
  }

  private static double pct(double[] v, double p) {
    return Quantiles.percentile(v, 100 * p);
  }
}
