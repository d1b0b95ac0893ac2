package io.trainwatch.trainer;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Dynamic loss scaling as PyTorch's {@code GradScaler} does it, for a DL4J network trained in fp32:
 * each step's gradients are scaled by the current scale and checked against the fp16 range (largest
 * finite 65504); when they overflow (or are not finite at all) the step is skipped (the parameters
 * and the updater's state are put back as they were before it) and the scale is halved; after
 * {@code growthInterval} applied steps in a row it doubles. It reports every step to the {@link
 * TrainwatchListener} ({@code loss_scale}, {@code skipped}), as a PyTorch trainer would from {@code
 * scaler.get_scale()}.
 *
 * <p>Add it before the trainwatch listener ({@code net.setListeners(scaler, trainwatch)}): it
 * decides after the gradient is computed and before the updater runs, and restores a skipped step
 * once the iteration is done. MultiLayerNetwork only. Training thread only.
 */
public final class DynamicLossScaler extends BaseTrainingListener {

  /** The largest finite fp16 value. */
  public static final double FP16_MAX = 65504;

  /**
   * GradScaler's defaults: initial scale 2^16, halve on overflow, double after 2000 clean steps.
   */
  public static final double DEFAULT_INITIAL_SCALE = 65536;

  private final TrainwatchListener trainwatch;
  private final int growthInterval;
  private double scale;
  private int cleanSteps;
  private INDArray savedParams;
  private INDArray savedUpdaterState;
  private long skipped;

  /**
   * @param trainwatch where each step's scale and skip are reported
   * @param initialScale the first scale, > 0
   * @param growthInterval applied steps in a row after which the scale doubles, >= 1
   */
  public DynamicLossScaler(TrainwatchListener trainwatch, double initialScale, int growthInterval) {
    if (!(initialScale > 0 && Double.isFinite(initialScale))) {
      throw new IllegalArgumentException(
          "initialScale=" + initialScale + ": must be finite and > 0");
    }
    if (growthInterval < 1) {
      throw new IllegalArgumentException("growthInterval=" + growthInterval + ": must be >= 1");
    }
    this.trainwatch = trainwatch;
    this.scale = initialScale;
    this.growthInterval = growthInterval;
  }

  /** The scale the next step will use. */
  public double scale() {
    return scale;
  }

  /** Steps skipped so far. */
  public long skipped() {
    return skipped;
  }

  @Override
  public void onGradientCalculation(Model model) {
    if (!(model instanceof MultiLayerNetwork net)) {
      throw new IllegalArgumentException("DynamicLossScaler: MultiLayerNetwork only");
    }
    INDArray gradient = net.getGradientsViewArray();
    double amax = gradient.amaxNumber().doubleValue();
    // NaN fails the comparison too: a non-finite gradient overflows at any scale.
    boolean overflow = !(amax * scale <= FP16_MAX);
    trainwatch.lossScale(scale, overflow);
    if (overflow) {
      savedParams = net.params().dup();
      Updater updater = net.getUpdater();
      INDArray state = updater == null ? null : updater.getStateViewArray();
      savedUpdaterState = state == null ? null : state.dup();
    }
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    if (savedParams != null) {
      MultiLayerNetwork net = (MultiLayerNetwork) model;
      net.params().assign(savedParams);
      if (savedUpdaterState != null) {
        net.getUpdater().getStateViewArray().assign(savedUpdaterState);
      }
      savedParams = null;
      savedUpdaterState = null;
      skipped++;
      scale /= 2;
      cleanSteps = 0;
      return;
    }
    if (++cleanSteps >= growthInterval) {
      scale *= 2;
      cleanSteps = 0;
    }
  }
}
