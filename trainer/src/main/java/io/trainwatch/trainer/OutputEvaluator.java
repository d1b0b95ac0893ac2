package io.trainwatch.trainer;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.XwPlusB;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Recomputes an output layer's activations from the input it holds during a training pass (DL4J
 * keeps no copy of them). For the common dense output layer with a bias, no weight noise and no
 * mask, that is the product, the bias and the activation into a buffer reused across iterations: on
 * the CPU, for a layer with softmax or identity, the product by BLAS in row blocks that each run on
 * the training thread, bias and activation in a Java loop (no ND4J op, so no wait for a thread
 * pool); otherwise one fused {@code xw_plus_b} op and the activation. A fraction of the cost of
 * {@link Layer#activate}, which any other output layer goes through.
 *
 * <p>Not thread-safe: one instance per training thread.
 */
final class OutputEvaluator {

  /**
   * Multiply-adds of one {@code sgemm} call that OpenBLAS runs on the calling thread (with a
   * margin).
   */
  private static final long SINGLE_THREAD_MULTIPLY_ADDS = 250_000;

  /** Above this many multiply-adds the output layer's product goes to BLAS in one call. */
  private static final long MAX_BLOCKED_MULTIPLY_ADDS = 4_000_000;

  private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspacesImmutable();

  private final Layer layer;
  private final IActivation activation;
  private final boolean fastPath;
  private final boolean softmax;
  private final boolean hostActivation;
  private INDArray buffer;
  private double[] row = new double[0];
  private double[] biasValues = new double[0];

  OutputEvaluator(Layer layer) {
    this.layer = layer;
    boolean dense =
        layer instanceof org.deeplearning4j.nn.layers.OutputLayer
            && layer.conf().getLayer() instanceof BaseOutputLayer conf
            && conf.hasBias()
            && conf.getWeightNoise() == null;
    this.activation = dense ? ((BaseOutputLayer) layer.conf().getLayer()).getActivationFn() : null;
    this.fastPath = dense;
    this.softmax = activation instanceof ActivationSoftmax;
    this.hostActivation =
        (softmax || activation instanceof ActivationIdentity) && Nd4j.getEnvironment().isCPU();
  }

  /**
   * The layer's activations for its current input, or {@code null} if it holds none. The result may
   * be a buffer the next call overwrites.
   */
  INDArray evaluate() {
    INDArray input = layer.input();
    if (input == null) {
      return null;
    }
    INDArray weights = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
    if (!fastPath
        || input.rank() != 2
        || layer.getMaskArray() != null
        || input.dataType() != weights.dataType()) {
      return layer.activate(false, NO_WORKSPACES);
    }
    INDArray bias = layer.getParam(DefaultParamInitializer.BIAS_KEY);
    long rows = input.size(0);
    long columns = weights.size(1);
    if (buffer == null
        || buffer.size(0) != rows
        || buffer.size(1) != columns
        || buffer.dataType() != weights.dataType()) {
      buffer = Nd4j.create(weights.dataType(), new long[] {rows, columns}, 'c');
    }
    if (!hostActivation || !input.dataType().isFPType()) {
      Nd4j.getExecutioner().exec(new XwPlusB(new INDArray[] {input, weights, bias}, buffer));
      return activation.getActivation(buffer, false);
    }
    // BLAS straight from Java, then bias and activation in a Java loop over the [batch, classes]
    // buffer: the
    // xw_plus_b and softmax ops each cost milliseconds on a busy machine, mostly waking ND4J's
    // thread pool for a few
    // thousand elements.
    blockedProduct(input, weights);
    addBiasAndActivate(bias);
    return buffer;
  }

  /**
   * The product by BLAS in row blocks small enough that each {@code sgemm} runs on the calling
   * thread. OpenBLAS splits a product of more than 262,144 multiply-adds (its {@code
   * GEMM_MULTITHREAD_THRESHOLD} x 65,536) across its threads, and while training keeps every core
   * busy, waiting for them costs milliseconds: measured 3.2 ms for the benchmark's 128x512x10
   * output layer in one call, 0.17 ms in three blocks. Larger layers go in one call, where the
   * split pays.
   */
  private void blockedProduct(INDArray input, INDArray weights) {
    long rows = input.size(0);
    long perRow = input.size(1) * weights.size(1);
    if (rows * perRow > MAX_BLOCKED_MULTIPLY_ADDS || perRow > SINGLE_THREAD_MULTIPLY_ADDS) {
      Nd4j.gemm(input, weights, buffer, false, false, 1.0, 0.0);
      return;
    }
    long block = SINGLE_THREAD_MULTIPLY_ADDS / perRow;
    for (long r = 0; r < rows; r += block) {
      INDArrayIndex blockRows = NDArrayIndex.interval(r, Math.min(rows, r + block));
      Nd4j.gemm(
          input.get(blockRows, NDArrayIndex.all()),
          weights,
          buffer.get(blockRows, NDArrayIndex.all()),
          false,
          false,
          1.0,
          0.0);
    }
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
