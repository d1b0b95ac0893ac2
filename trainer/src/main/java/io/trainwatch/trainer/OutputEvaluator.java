package io.trainwatch.trainer;

import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.XwPlusB;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Recomputes an output layer's activations from the input it holds during a training pass (DL4J keeps no copy of
 * them). For the common dense output layer with a bias, no weight noise and no mask, that is the product, the bias
 * and the activation into a buffer reused across iterations: on the CPU, for a small float layer with softmax or
 * identity, all in Java loops on the training thread (no ND4J op, so no wait for its thread pool); otherwise BLAS
 * {@code gemm} or one fused {@code xw_plus_b} op and the activation. A fraction of the cost of {@link Layer#activate},
 * which any other output layer goes through.
 *
 * <p>Not thread-safe: one instance per training thread.
 */
final class OutputEvaluator {

  /** Above this many multiply-adds the output layer's product goes to BLAS. */
  private static final long MAX_JAVA_MULTIPLY_ADDS = 2_000_000;

  private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspacesImmutable();

  private final Layer layer;
  private final IActivation activation;
  private final boolean fastPath;
  private final boolean softmax;
  private final boolean hostActivation;
  private INDArray buffer;
  private double[] row = new double[0];
  private float[] weightValues = new float[0];
  private float[] inputRow = new float[0];
  private float[] sums = new float[0];
  private double[] biasValues = new double[0];

  OutputEvaluator(Layer layer) {
    this.layer = layer;
    boolean dense = layer instanceof org.deeplearning4j.nn.layers.OutputLayer
        && layer.conf().getLayer() instanceof BaseOutputLayer conf
        && conf.hasBias() && conf.getWeightNoise() == null;
    this.activation = dense ? ((BaseOutputLayer) layer.conf().getLayer()).getActivationFn() : null;
    this.fastPath = dense;
    this.softmax = activation instanceof ActivationSoftmax;
    this.hostActivation = (softmax || activation instanceof ActivationIdentity) && Nd4j.getEnvironment().isCPU();
  }

  /**
   * The layer's activations for its current input, or {@code null} if it holds none. The result may be a buffer
   * the next call overwrites.
   */
  INDArray evaluate() {
    INDArray input = layer.input();
    if (input == null) {
      return null;
    }
    INDArray weights = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
    if (!fastPath || input.rank() != 2 || layer.getMaskArray() != null || input.dataType() != weights.dataType()) {
      return layer.activate(false, NO_WORKSPACES);
    }
    INDArray bias = layer.getParam(DefaultParamInitializer.BIAS_KEY);
    long rows = input.size(0);
    long columns = weights.size(1);
    if (buffer == null || buffer.size(0) != rows || buffer.size(1) != columns
        || buffer.dataType() != weights.dataType()) {
      buffer = Nd4j.create(weights.dataType(), new long[] {rows, columns}, 'c');
    }
    if (!hostActivation || !input.dataType().isFPType()) {
      Nd4j.getExecutioner().exec(new XwPlusB(new INDArray[] {input, weights, bias}, buffer));
      return activation.getActivation(buffer, false);
    }
    // BLAS straight from Java, then bias and activation in a Java loop over the [batch, classes] buffer: the
    // xw_plus_b and softmax ops each cost milliseconds on a busy machine, mostly waking ND4J's thread pool for a few
    // thousand elements.
    if (!javaProduct(input, weights)) {
      Nd4j.gemm(input, weights, buffer, false, false, 1.0, 0.0);
    }
    addBiasAndActivate(bias);
    return buffer;
  }

  /**
   * The product in a Java loop, for a small one: a few hundred thousand multiply-adds take less time on this thread
   * than handing them to the native thread pool while training keeps the cores busy.
   */
  private boolean javaProduct(INDArray input, INDArray weights) {
    long rows = input.size(0);
    long inner = input.size(1);
    long columns = weights.size(1);
    if (input.dataType() != DataType.FLOAT || weights.dataType() != DataType.FLOAT
        || rows * inner * columns > MAX_JAVA_MULTIPLY_ADDS) {
      return false;
    }
    int n = (int) inner;
    int cols = (int) columns;
    if (weightValues.length != n * cols) {
      weightValues = new float[n * cols];
      inputRow = new float[n];
      sums = new float[cols];
    }
    DataBuffer w = weights.data();
    long w0 = weights.stride(0);
    long w1 = weights.stride(1);
    for (int k = 0; k < n; k++) {
      for (int c = 0; c < cols; c++) {
        weightValues[k * cols + c] = w.getFloat(k * w0 + c * w1);
      }
    }
    DataBuffer in = input.data();
    long i0 = input.stride(0);
    long i1 = input.stride(1);
    DataBuffer out = buffer.data();
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < n; k++) {
        inputRow[k] = in.getFloat(r * i0 + k * i1);
      }
      // Row by row of the weights: every output column's sum is an independent chain, so the multiply-adds of one
      // input element overlap instead of waiting on one accumulator.
      Arrays.fill(sums, 0f);
      for (int k = 0; k < n; k++) {
        float a = inputRow[k];
        int base = k * cols;
        for (int c = 0; c < cols; c++) {
          sums[c] += a * weightValues[base + c];
        }
      }
      for (int c = 0; c < cols; c++) {
        out.put((long) r * cols + c, sums[c]);
      }
    }
    return true;
  }

  private void addBiasAndActivate(INDArray bias) {
    int rows = (int) buffer.size(0);
    int columns = (int) buffer.size(1);
    if (row.length != columns) {
      row = new double[columns];
      biasValues = new double[columns];
    }
    for (int c = 0; c < columns; c++) {
      biasValues[c] = bias.getDouble(c);
    }
    DataBuffer data = buffer.data();
    for (int r = 0; r < rows; r++) {
      long start = (long) r * columns;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < columns; c++) {
        row[c] = data.getDouble(start + c) + biasValues[c];
        max = Math.max(max, row[c]);
      }
      if (softmax) {
        // As ND4J's softmax: shifted by the row's maximum so exp cannot overflow.
        double sum = 0;
        for (int c = 0; c < columns; c++) {
          row[c] = Math.exp(row[c] - max);
          sum += row[c];
        }
        for (int c = 0; c < columns; c++) {
          row[c] /= sum;
        }
      }
      for (int c = 0; c < columns; c++) {
        data.put(start + c, row[c]);
      }
    }
  }
}
