package io.trainwatch.bench;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Delegates to a listener and adds up the wall time spent in each of its hooks, in the training
 * thread: what the listener costs a step, measured directly (for {@link ListenerHookProfile}).
 */
final class TimedListener implements TrainingListener {

  /** The timed hooks, in the order DL4J calls them within an iteration. */
  static final String[] HOOKS = {
    "onForwardPass", "onBackwardPass", "onGradientCalculation", "iterationDone"
  };

  private final TrainingListener inner;
  private final long[] nanos = new long[HOOKS.length];

  TimedListener(TrainingListener inner) {
    this.inner = inner;
  }

  /** Nanoseconds spent so far in hook {@code hook} (an index into {@link #HOOKS}). */
  long nanos(int hook) {
    return nanos[hook];
  }

  /** Nanoseconds spent so far in all hooks. */
  long totalNanos() {
    long sum = 0;
    for (long n : nanos) {
      sum += n;
    }
    return sum;
  }

  private void add(int hook, long start) {
    nanos[hook] += System.nanoTime() - start;
  }

  @Override
  public void onForwardPass(Model model, List<INDArray> activations) {
    long t = System.nanoTime();
    inner.onForwardPass(model, activations);
    add(0, t);
  }

  @Override
  public void onForwardPass(Model model, Map<String, INDArray> activations) {
    long t = System.nanoTime();
    inner.onForwardPass(model, activations);
    add(0, t);
  }

  @Override
  public void onBackwardPass(Model model) {
    long t = System.nanoTime();
    inner.onBackwardPass(model);
    add(1, t);
  }

  @Override
  public void onGradientCalculation(Model model) {
    long t = System.nanoTime();
    inner.onGradientCalculation(model);
    add(2, t);
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    long t = System.nanoTime();
    inner.iterationDone(model, iteration, epoch);
    add(3, t);
  }

  @Override
  public void onEpochStart(Model model) {
    inner.onEpochStart(model);
  }

  @Override
  public void onEpochEnd(Model model) {
    inner.onEpochEnd(model);
  }
}
