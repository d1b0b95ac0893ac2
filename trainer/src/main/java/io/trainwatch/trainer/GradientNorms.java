package io.trainwatch.trainer;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The L2 norms of a model's raw gradient and of its first trainable layer's slice of it, reading
 * the gradient once: the sums of squares of the layers' slices (views DL4J keeps of the one
 * flattened gradient) add up to the whole's, and the first trainable layer's is one of them. Where
 * the slices do not cover the gradient (the lengths are checked), the whole and the first layer's
 * slice are read separately.
 *
 * @param total the norm of the whole gradient
 * @param firstLayer the norm of the first trainable layer's slice, {@code null} without one
 */
record GradientNorms(double total, Double firstLayer) {

  /** The norms of the model's current gradient, or {@code null} if it has none. */
  static GradientNorms of(Model model, ModelAnatomy anatomy, TensorSummarizer summarizer) {
    INDArray gradient = model.getGradientsViewArray();
    if (gradient == null) {
      return null;
    }
    Layer first = anatomy.firstTrainableLayer();
    double squares = 0;
    Double firstSquares = null;
    long covered = 0;
    for (Layer layer : anatomy.layersWithParameters()) {
      INDArray slice = layer.getGradientsViewArray();
      if (slice == null) {
        break;
      }
      double s = summarizer.sumOfSquares(slice);
      squares += s;
      covered += slice.length();
      if (layer == first) {
        firstSquares = s;
      }
    }
    if (covered != gradient.length()) {
      squares = summarizer.sumOfSquares(gradient);
      INDArray firstSlice = first == null ? null : first.getGradientsViewArray();
      firstSquares = firstSlice == null ? null : summarizer.sumOfSquares(firstSlice);
    }
    return new GradientNorms(
        Math.sqrt(squares), firstSquares == null ? null : Math.sqrt(firstSquares));
  }
}
