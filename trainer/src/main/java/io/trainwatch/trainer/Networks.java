package io.trainwatch.trainer;

import io.trainwatch.schemas.Fault;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossCosineProximity;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The networks {@link TrainingRun} trains, built from a {@link TrainingSpec}, and their learning
 * rates.
 */
final class Networks {

  static final double MOMENTUM = 0.9;

  /**
   * The {@link Fault#DIVERGE} learning rate. Lower ones (10, 100) blow up too, but on some seeds
   * every ReLU dies first and the loss freezes at about 20 instead of reaching NaN; from 1e6 on,
   * the first update overflows the activations within two to six steps whatever the seed, onset or
   * number of classes.
   */
  static final double DIVERGENT_LEARNING_RATE = 1e6;

  /**
   * {@link Fault#EXPLODING_GRADIENT}'s factor. Ten times less and most runs shrug it off; ten times
   * more and some reach NaN within a few steps, which is divergence, not an explosion to watch.
   */
  static final double EXPLODING_FACTOR = 100;

  /**
   * {@link Fault#PLATEAU}'s factor: small enough that 1000 steps move the loss by less than its
   * noise.
   */
  static final double PLATEAU_FACTOR = 1e-5;

  /**
   * {@link Fault#VANISHING_GRADIENT}'s network: sigmoid layers of 32 units, weights N(0, 0.01^2).
   */
  static final int VANISHING_DEPTH = 6;

  static final double VANISHING_INIT_STD = 0.01;

  /**
   * {@link Fault#BAD_INIT_LOSS}'s weights: N(0, 1), five to ten times Xavier's scale for these
   * layers.
   */
  static final double BAD_INIT_STD = 1.0;

  private Networks() {}

  /** The network for a spec, with the learning rate its fault gives step 0. */
  static MultiLayerNetwork build(TrainingSpec spec) {
    NeuralNetConfiguration.ListBuilder list =
        new NeuralNetConfiguration.Builder()
            .seed(spec.seed())
            .updater(updater(spec.optimizer(), learningRateAt(spec, 0)))
            .list();
    boolean badInit = spec.fault() == Fault.BAD_INIT_LOSS;
    if (spec.fault() == Fault.VANISHING_GRADIENT) {
      for (int i = 0; i < VANISHING_DEPTH; i++) {
        list.layer(
            new DenseLayer.Builder()
                .nOut(32)
                .activation(Activation.SIGMOID)
                .weightInit(
                    new WeightInitDistribution(new NormalDistribution(0, VANISHING_INIT_STD)))
                .build());
      }
    } else {
      hiddenLayers(spec.architecture(), badInit, list);
    }
    list.layer(outputLayer(spec, init(WeightInit.XAVIER, badInit)));
    list.setInputType(
        spec.architecture() == Architecture.CONV && spec.fault() != Fault.VANISHING_GRADIENT
            ? InputType.convolutionalFlat(SyntheticPixels.SIDE, SyntheticPixels.SIDE, 1)
            : InputType.feedForward(SyntheticPixels.FEATURES));
    MultiLayerNetwork net = new MultiLayerNetwork(list.build());
    net.init();
    return net;
  }

  /** The learning rate at {@code step}: the optimizer's own, unless the fault changes it then. */
  static double learningRateAt(TrainingSpec spec, int step) {
    double healthy = spec.optimizer().learningRate();
    if (!spec.faultActiveAt(step)) {
      return healthy;
    }
    return switch (spec.fault()) {
      case DIVERGE -> DIVERGENT_LEARNING_RATE;
      case EXPLODING_GRADIENT -> healthy * EXPLODING_FACTOR;
      case PLATEAU -> healthy * PLATEAU_FACTOR;
      default -> healthy;
    };
  }

  private static void hiddenLayers(
      Architecture architecture, boolean badInit, NeuralNetConfiguration.ListBuilder list) {
    switch (architecture) {
      case MLP -> {
        list.layer(dense(64, init(WeightInit.XAVIER, badInit)));
        list.layer(dense(32, init(WeightInit.XAVIER, badInit)));
      }
      case DEEP_MLP -> {
        for (int i = 0; i < 5; i++) {
          list.layer(dense(64, init(WeightInit.RELU, badInit)));
        }
      }
      case CONV -> {
        list.layer(
            new ConvolutionLayer.Builder(3, 3)
                .nOut(8)
                .activation(Activation.RELU)
                .weightInit(init(WeightInit.RELU, badInit))
                .build());
        list.layer(
            new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(2, 2)
                .stride(2, 2)
                .build());
        list.layer(dense(32, init(WeightInit.XAVIER, badInit)));
      }
    }
  }

  private static DenseLayer dense(int units, IWeightInit init) {
    return new DenseLayer.Builder()
        .nOut(units)
        .activation(Activation.RELU)
        .weightInit(init)
        .build();
  }

  /** The layer's usual initialization, or {@link Fault#BAD_INIT_LOSS}'s N(0, 1). */
  private static IWeightInit init(WeightInit usual, boolean badInit) {
    return badInit
        ? new WeightInitDistribution(new NormalDistribution(0, BAD_INIT_STD))
        : usual.getWeightInitFunction();
  }

  private static OutputLayer outputLayer(TrainingSpec spec, IWeightInit init) {
    if (spec.objective() == Objective.COSINE_REGRESSION) {
      return new OutputLayer.Builder(new LossCosineProximity())
          .nOut(spec.numClasses())
          .activation(Activation.IDENTITY)
          .weightInit(init)
          .build();
    }
    // The bug itself: softmax probabilities into a loss that wants log-probabilities. DL4J's config
    // validation only
    // knows its own losses, so nothing stops it, exactly as nothing stops it in PyTorch.
    ILossFunction loss =
        spec.fault() == Fault.SOFTMAX_INTO_NLL ? new LogProbNllLoss() : new LossMCXENT();
    return new OutputLayer.Builder(loss)
        .nOut(spec.numClasses())
        .activation(Activation.SOFTMAX)
        .weightInit(init)
        .build();
  }

  private static IUpdater updater(Optimizer optimizer, double learningRate) {
    return switch (optimizer) {
      case SGD -> new Nesterovs(learningRate, MOMENTUM);
      case ADAM -> new Adam(learningRate);
    };
  }
}
