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
    assertFastPathMatchesTheNetwork(Activation.SOFTMAX, new LossMCXENT());
  }

  @Test
  void shouldComputeWhatTheNetworkOutputsForAnIdentityLayer() {
    assertFastPathMatchesTheNetwork(Activation.IDENTITY, new LossMSE());
  }

  @Test
  void shouldReturnNullBeforeTheLayerHasSeenAnInput() {
    MultiLayerNetwork net = network(Activation.SOFTMAX, new LossMCXENT());

    assertThat(new OutputEvaluator(net.getOutputLayer()).evaluate()).isNull();
  }

  /** Compares, inside a real training pass as the listener sees it, the fast path with DL4J's own activate(). */
  private static void assertFastPathMatchesTheNetwork(Activation activation, ILossFunction loss) {
    MultiLayerNetwork net = network(activation, loss);
    OutputEvaluator evaluator = new OutputEvaluator(net.getOutputLayer());
    List<INDArray[]> pairs = new ArrayList<>();
    net.addListeners(new BaseTrainingListener() {
      @Override
      public void onBackwardPass(Model model) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
          INDArray fast = evaluator.evaluate().dup();
          INDArray reference = net.getOutputLayer().activate(false, LayerWorkspaceMgr.noWorkspacesImmutable()).dup();
          pairs.add(new INDArray[] {fast, reference});
        }
      }
    });
    for (int rows : new int[] {8, 8, 3}) {
      INDArray labels = Nd4j.zeros(DataType.FLOAT, rows, 4);
      labels.getColumn(1).assign(1);
      net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, rows, 5), labels));
    }

    assertThat(pairs).hasSize(3);
    for (INDArray[] pair : pairs) {
      assertThat(pair[0].shape()).isEqualTo(pair[1].shape());
      assertThat(pair[0].equalsWithEps(pair[1], 1e-5)).as("%s vs %s", pair[0], pair[1]).isTrue();
    }
  }

  private static MultiLayerNetwork network(Activation activation, ILossFunction loss) {
    MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
        .seed(3).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).dataType(DataType.FLOAT)
        .list()
        .layer(new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.TANH).build())
        .layer(new OutputLayer.Builder(loss).nIn(6).nOut(4).activation(activation).build())
        .build());
    net.init();
    return net;
  }
}
