package io.trainwatch.trainer;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** The networks {@link TrainingRun} trains, built from a {@link TrainingSpec}. */
final class Networks {

  /** The learning rate of a healthy run (SGD with Nesterov momentum 0.9). */
  static final double HEALTHY_LEARNING_RATE = 0.02;
  /**
   * The {@link Fault#DIVERGE} learning rate. Lower ones (10, 100) blow up too, but on some seeds every ReLU dies
   * first and the loss freezes at about 20 instead of reaching NaN; from 1e6 on, the first update overflows the
   * activations within two to six steps whatever the seed, onset or number of classes.
   */
  static final double DIVERGENT_LEARNING_RATE = 1e6;
  static final double MOMENTUM = 0.9;

  private Networks() {}

  /** A 64-64-32-C ReLU MLP with a softmax output; its loss and starting learning rate depend on the fault. */
  static MultiLayerNetwork build(TrainingSpec spec) {
    double lr = spec.fault() == Fault.DIVERGE && spec.faultActiveAt(0) ? DIVERGENT_LEARNING_RATE
        : HEALTHY_LEARNING_RATE;
    // The bug itself: softmax probabilities into a loss that wants log-probabilities. DL4J's config validation only
    // knows its own losses, so nothing stops it, exactly as nothing stops it in PyTorch.
    ILossFunction loss = spec.fault() == Fault.SOFTMAX_INTO_NLL ? new LogProbNllLoss() : new LossMCXENT();
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(spec.seed())
        .updater(new Nesterovs(lr, MOMENTUM))
        .weightInit(WeightInit.XAVIER)
        .list()
        .layer(new DenseLayer.Builder().nIn(SyntheticPixels.FEATURES).nOut(64).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nIn(64).nOut(32).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(loss).nIn(32).nOut(spec.numClasses()).activation(Activation.SOFTMAX).build())
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }
}
