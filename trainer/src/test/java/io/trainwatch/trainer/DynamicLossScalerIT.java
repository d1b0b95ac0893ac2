package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** The emulated fp16 loss scaler on a real DL4J network. */
class DynamicLossScalerIT {

  private final InMemoryEventPublisher publisher = new InMemoryEventPublisher();

  @Test
  void shouldSkipOverflowingStepsForRealHalveTheScaleAndReportEveryStep() {
    MultiLayerNetwork net = mlp();
    TrainwatchListener trainwatch =
        TrainwatchListener.builder().publisher(publisher).runId("amp").build();
    // 2^40: every gradient overflows fp16 at first, as with a much too large initial scale.
    DynamicLossScaler scaler = new DynamicLossScaler(trainwatch, Math.pow(2, 40), 1000);
    net.setListeners(scaler, trainwatch);
    INDArray x = Nd4j.rand(DataType.FLOAT, 8, 4);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
    for (int r = 0; r < 8; r++) {
      y.putScalar(r, r % 3, 1f);
    }

    INDArray params = net.params().dup();
    INDArray momentum = net.getUpdater().getStateViewArray().dup();
    net.fit(x, y);

    // Skipped: neither the parameters nor Nesterov's momentum moved.
    assertThat(net.params().equalsWithEps(params, 0)).isTrue();
    assertThat(net.getUpdater().getStateViewArray().equalsWithEps(momentum, 0)).isTrue();
    assertThat(scaler.scale()).isEqualTo(Math.pow(2, 39));

    for (int i = 0; i < 60 && scaler.scale() > 1e4; i++) {
      net.fit(x, y);
    }
    INDArray before = net.params().dup();
    net.fit(x, y);

    // Once the scale fits the gradients the steps apply.
    assertThat(net.params().equalsWithEps(before, 0)).isFalse();
    List<BatchEvent> batches = publisher.batches();
    assertThat(batches.get(0).skipped()).isTrue();
    assertThat(batches.get(0).lossScale()).isEqualTo(Math.pow(2, 40));
    assertThat(batches.get(batches.size() - 1).skipped()).isFalse();
    assertThat(batches.stream().filter(BatchEvent::stepSkipped).count())
        .isEqualTo(scaler.skipped())
        .isGreaterThanOrEqualTo(20);
  }

  private static MultiLayerNetwork mlp() {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(3)
                .updater(new Nesterovs(0.1, 0.9))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.TANH).build())
                .layer(
                    new OutputLayer.Builder(new LossMCXENT())
                        .nIn(8)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
    net.init();
    return net;
  }
}
