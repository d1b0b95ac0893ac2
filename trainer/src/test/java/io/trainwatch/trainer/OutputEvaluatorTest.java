package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

class OutputEvaluatorTest {

  @Test
  void shouldComputeWhatTheNetworkOutputsForASoftmaxLayer() {
    assertFastPathMatchesTheNetwork(Activation.SOFTMAX, new LossMCXENT(), 6, 4, 8, 8, 3);
  }

  @Test
  void shouldComputeWhatTheNetworkOutputsForAnIdentityLayer() {
    assertFastPathMatchesTheNetwork(Activation.IDENTITY, new LossMSE(), 6, 4, 8, 8, 3);
  }

  /**
   * The benchmark's output layer (512 -> 10, batch 128) is computed in three row blocks, the last
   * one partial.
   */
  @Test
  void shouldComputeALargerOutputLayerInRowBlocks() {
    assertFastPathMatchesTheNetwork(Activation.SOFTMAX, new LossMCXENT(), 512, 10, 128, 77);
  }

  @Test
  void shouldReturnNullBeforeTheLayerHasSeenAnInput() {
    MultiLayerNetwork net = network(Activation.SOFTMAX, new LossMCXENT(), 6, 4);

    assertThat(new OutputEvaluator(net.getOutputLayer()).evaluate()).isNull();
  }

  /**
   * Compares, inside a real training pass as the listener sees it, the fast path with DL4J's own
   * activate().
   */
  private static void assertFastPathMatchesTheNetwork(
      Activation activation, ILossFunction loss, int hidden, int classes, int... batchRows) {
    MultiLayerNetwork net = network(activation, loss, hidden, classes);
    OutputEvaluator evaluator = new OutputEvaluator(net.getOutputLayer());
    List<INDArray[]> pairs = new ArrayList<>();
    net.addListeners(
        new BaseTrainingListener() {
          @Override
          public void onBackwardPass(Model model) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
              INDArray fast = evaluator.evaluate().dup();
              INDArray reference =
                  net.getOutputLayer()
                      .activate(false, LayerWorkspaceMgr.noWorkspacesImmutable())
                      .dup();
              pairs.add(new INDArray[] {fast, reference});
            }
          }
        });
    for (int rows : batchRows) {
      INDArray labels = Nd4j.zeros(DataType.FLOAT, rows, classes);
      labels.getColumn(1).assign(1);
      net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, rows, 5), labels));
    }

    assertThat(pairs).hasSize(batchRows.length);
    for (INDArray[] pair : pairs) {
      assertThat(pair[0].shape()).isEqualTo(pair[1].shape());
      assertThat(pair[0].equalsWithEps(pair[1], 1e-5)).as("%s vs %s", pair[0], pair[1]).isTrue();
    }
  }

  private static MultiLayerNetwork network(
      Activation activation, ILossFunction loss, int hidden, int classes) {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(3)
                .updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER)
                .dataType(DataType.FLOAT)
                .list()
                .layer(
                    new DenseLayer.Builder()
                        .nIn(5)
                        .nOut(hidden)
                        .activation(Activation.TANH)
                        .build())
                .layer(
                    new OutputLayer.Builder(loss)
                        .nIn(hidden)
                        .nOut(classes)
                        .activation(activation)
                        .build())
                .build());
    net.init();
    return net;
  }
}
