package io.trainwatch.trainer;

import io.trainwatch.schemas.InputEncoding;
import io.trainwatch.schemas.LossDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Cnn3DLossLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The parts of a {@link MultiLayerNetwork} or {@link ComputationGraph} the listener needs, looked
 * up once per run: the (first) output layer, its loss and activation, the input to summarize, the
 * layer whose learning rate is reported, the first layer that trains (whose gradient norm is
 * reported), and a one-line description of the model.
 */
final class ModelAnatomy {

  private static final int MAX_SUMMARY_LENGTH = 1024;

  private final Model model;
  private final Layer outputLayer;
  private final LossDescriptor loss;
  private final Integer numClasses;
  private final String summary;
  private final String graphInputName;
  private final int lrLayerIndex;
  private final String lrLayerName;
  private final Layer firstTrainableLayer;
  private final List<Layer> layersWithParameters;
  private final InputEncoding inputEncoding;

  private ModelAnatomy(
      Model model,
      Layer outputLayer,
      LossDescriptor loss,
      Integer numClasses,
      String summary,
      String graphInputName,
      int lrLayerIndex,
      String lrLayerName,
      List<Layer> forwardOrder) {
    this.model = model;
    this.outputLayer = outputLayer;
    this.loss = loss;
    this.numClasses = numClasses;
    this.summary = summary;
    this.graphInputName = graphInputName;
    this.lrLayerIndex = lrLayerIndex;
    this.lrLayerName = lrLayerName;
    this.firstTrainableLayer = firstTrainable(forwardOrder);
    this.layersWithParameters = forwardOrder.stream().filter(l -> l.numParams() > 0).toList();
    this.inputEncoding = inputEncodingOf(forwardOrder);
  }

  /**
   * Inspects a model.
   *
   * @throws IllegalArgumentException if it is neither a {@link MultiLayerNetwork} nor a {@link
   *     ComputationGraph}
   */
  static ModelAnatomy of(Model model) {
    if (model instanceof MultiLayerNetwork net) {
      Layer out = net.getOutputLayer();
      int lrIndex = -1;
      for (int i = 0; i < net.getnLayers(); i++) {
        if (net.getLayer(i).numParams() > 0) {
          lrIndex = i;
          break;
        }
      }
      List<String> parts = new ArrayList<>();
      for (Layer l : net.getLayers()) {
        parts.add(describe(l.conf().getLayer()));
      }
      LossDescriptor loss = lossOf(out);
      return new ModelAnatomy(
          model,
          out,
          loss,
          numClassesOf(out, loss),
          summary("MultiLayerNetwork", parts),
          null,
          lrIndex,
          null,
          List.of(net.getLayers()));
    }
    if (model instanceof ComputationGraph graph) {
      Layer out = graph.getOutputLayer(0);
      String lrName = null;
      List<String> parts = new ArrayList<>();
      for (Layer l : graph.getLayers()) {
        org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
        parts.add(conf.getLayerName() + ":" + describe(conf));
        if (lrName == null && l.numParams() > 0) {
          lrName = conf.getLayerName();
        }
      }
      List<Layer> forwardOrder = new ArrayList<>();
      for (int vertex : graph.topologicalSortOrder()) {
        GraphVertex v = graph.getVertices()[vertex];
        if (v.hasLayer()) {
          forwardOrder.add(v.getLayer());
        }
      }
      LossDescriptor loss = lossOf(out);
      return new ModelAnatomy(
          model,
          out,
          loss,
          numClassesOf(out, loss),
          summary("ComputationGraph", parts),
          graph.getConfiguration().getNetworkInputs().get(0),
          -1,
          lrName,
          forwardOrder);
    }
    throw new IllegalArgumentException(
        "model "
            + (model == null ? "null" : model.getClass().getName())
            + ": only MultiLayerNetwork and ComputationGraph are supported");
  }

  /** The output layer whose activations are summarized (a graph's first output). */
  Layer outputLayer() {
    return outputLayer;
  }

  LossDescriptor loss() {
    return loss;
  }

  /** The number of classes for a classifier (softmax-like output), {@code null} otherwise. */
  Integer numClasses() {
    return numClasses;
  }

  /** e.g. {@code MultiLayerNetwork dense(64-32,relu) output(32-10,softmax,LossMCXENT)}. */
  String summary() {
    return summary;
  }

  /** For a graph, the name of the (first) network input; {@code null} for a MultiLayerNetwork. */
  String graphInputName() {
    return graphInputName;
  }

  /**
   * The current learning rate of the first layer with parameters, or {@code null} if it has none.
   */
  Double learningRate() {
    if (model instanceof MultiLayerNetwork net && lrLayerIndex >= 0) {
      return net.getLearningRate(lrLayerIndex);
    }
    if (model instanceof ComputationGraph graph && lrLayerName != null) {
      return graph.getLearningRate(lrLayerName);
    }
    return null;
  }

  /**
   * The first layer, in forward order, whose parameters train: the one furthest from the loss,
   * where vanishing gradients are smallest. {@code null} if none. Frozen layers (transfer learning)
   * are skipped: their gradient is zero by design, not because it vanished.
   */
  Layer firstTrainableLayer() {
    return firstTrainableLayer;
  }

  /**
   * {@link InputEncoding#TOKEN_IDS} when the first layer in forward order is an embedding lookup
   * ({@code EmbeddingLayer}, {@code EmbeddingSequenceLayer}, also frozen): its inputs are indices
   * into the table, never features to normalize. {@code null} otherwise: absent means features, and
   * the events of every other network stay as they were.
   */
  InputEncoding inputEncoding() {
    return inputEncoding;
  }

  private static InputEncoding inputEncodingOf(List<Layer> forwardOrder) {
    if (forwardOrder.isEmpty()) {
      return null;
    }
    Layer first = forwardOrder.get(0);
    if (first instanceof FrozenLayer frozen) {
      first = frozen.getInsideLayer();
    } else if (first instanceof FrozenLayerWithBackprop frozen) {
      first = frozen.getInsideLayer();
    }
    org.deeplearning4j.nn.conf.layers.Layer conf = first.conf().getLayer();
    if (conf instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
      conf = f.getLayer();
    }
    return conf instanceof EmbeddingLayer || conf instanceof EmbeddingSequenceLayer
        ? InputEncoding.TOKEN_IDS
        : null;
  }

  /** Every layer with parameters, frozen ones included, in forward order. */
  List<Layer> layersWithParameters() {
    return layersWithParameters;
  }

  private static Layer firstTrainable(List<Layer> forwardOrder) {
    for (Layer l : forwardOrder) {
      if (l.numParams() > 0
          && !(l instanceof FrozenLayer)
          && !(l instanceof FrozenLayerWithBackprop)) {
        return l;
      }
    }
    return null;
  }

  private static LossDescriptor lossOf(Layer outputLayer) {
    org.deeplearning4j.nn.conf.layers.Layer conf = outputLayer.conf().getLayer();
    ILossFunction lossFn = lossFunction(conf);
    IActivation activation = conf instanceof BaseLayer b ? b.getActivationFn() : null;
    if (lossFn == null) {
      return new LossDescriptor(
          conf.getClass().getSimpleName(),
          null,
          LossDescriptors.activationName(activation),
          LossDescriptor.DEFAULT_LOWER_BOUND);
    }
    return LossDescriptors.describe(lossFn, activation);
  }

  private static ILossFunction lossFunction(org.deeplearning4j.nn.conf.layers.Layer conf) {
    if (conf instanceof BaseOutputLayer o) {
      return o.getLossFn();
    }
    if (conf instanceof LossLayer o) {
      return o.getLossFn();
    }
    if (conf instanceof RnnLossLayer o) {
      return o.getLossFn();
    }
    if (conf instanceof CnnLossLayer o) {
      return o.getLossFn();
    }
    if (conf instanceof Cnn3DLossLayer o) {
      return o.getLossFn();
    }
    return null;
  }

  private static Integer numClassesOf(Layer outputLayer, LossDescriptor loss) {
    if (!LossDescriptors.isCategorical(loss)) {
      return null;
    }
    if (outputLayer.conf().getLayer() instanceof FeedForwardLayer f && f.getNOut() >= 2) {
      return (int) f.getNOut();
    }
    return null;
  }

  private static String describe(org.deeplearning4j.nn.conf.layers.Layer conf) {
    String kind = conf.getClass().getSimpleName().replace("Layer", "").toLowerCase(Locale.ROOT);
    List<String> details = new ArrayList<>();
    if (conf instanceof FeedForwardLayer f && f.getNOut() > 0) {
      details.add(f.getNIn() + "-" + f.getNOut());
    }
    if (conf instanceof BaseLayer b && b.getActivationFn() != null) {
      details.add(LossDescriptors.activationName(b.getActivationFn()));
    }
    ILossFunction lossFn = lossFunction(conf);
    if (lossFn != null) {
      details.add(lossFn.getClass().getSimpleName());
    }
    return details.isEmpty() ? kind : kind + "(" + String.join(",", details) + ")";
  }

  private static String summary(String kind, List<String> parts) {
    String s = kind + " " + String.join(" ", parts);
    return s.length() <= MAX_SUMMARY_LENGTH ? s : s.substring(0, MAX_SUMMARY_LENGTH - 3) + "...";
  }
}
