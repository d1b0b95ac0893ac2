package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trainwatch.schemas.Fault;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The gradient norms of real DL4J networks, read through the ND4J path of {@link TensorSummarizer}
 * (the one a GPU takes) and through the default one, against a Java loop over a copy of the
 * gradient.
 */
class GradientNormsTest {

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void shouldMatchAJavaLoopOverTheGradientOnEveryPath(Architecture architecture) {
    MultiLayerNetwork net = networkWithAGradient(architecture, DataType.FLOAT);
    ModelAnatomy anatomy = ModelAnatomy.of(net);
    double[] expected = javaLoopNorms(net, anatomy);

    for (TensorSummarizer summarizer :
        new TensorSummarizer[] {new TensorSummarizer(0), new TensorSummarizer()}) {
      GradientNorms norms = GradientNorms.of(net, anatomy, summarizer);

      assertThat(norms.total()).isCloseTo(expected[0], within(1e-5 * expected[0]));
      assertThat(norms.firstLayer()).isCloseTo(expected[1], within(1e-5 * expected[1]));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"DOUBLE", "HALF"})
  void shouldMatchAJavaLoopInOtherPrecisions(DataType type) {
    MultiLayerNetwork net = networkWithAGradient(Architecture.MLP, type);
    ModelAnatomy anatomy = ModelAnatomy.of(net);
    double[] expected = javaLoopNorms(net, anatomy);
    double tolerance = type == DataType.HALF ? 1e-2 : 1e-9;

    GradientNorms norms = GradientNorms.of(net, anatomy, new TensorSummarizer(0));

    assertThat(norms.total()).isCloseTo(expected[0], within(tolerance * expected[0]));
    assertThat(norms.firstLayer()).isCloseTo(expected[1], within(tolerance * expected[1]));
  }

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void shouldReportANonFiniteGradientAsNaN(Architecture architecture) {
    MultiLayerNetwork net = networkWithAGradient(architecture, DataType.FLOAT);
    ModelAnatomy anatomy = ModelAnatomy.of(net);
    INDArray first = anatomy.firstTrainableLayer().getGradientsViewArray();
    first.putScalar(first.length() / 2, Double.NaN);

    GradientNorms norms = GradientNorms.of(net, anatomy, new TensorSummarizer(0));

    assertThat(norms.total()).isNaN();
    assertThat(norms.firstLayer()).isNaN();
  }

  /** A network of {@code architecture} after one forward and backward pass on generated data. */
  private static MultiLayerNetwork networkWithAGradient(Architecture architecture, DataType type) {
    MultiLayerNetwork net =
        Networks.build(TrainingSpec.of("g", Fault.NONE).withArchitecture(architecture));
    if (type != DataType.FLOAT) {
      net = net.convertDataType(type);
    }
    SyntheticPixels pixels = SyntheticPixels.generate(TrainingSpec.DEFAULT_CLASSES, 16, 3);
    DataSet batch =
        pixels.batch(pixels.shuffledOrder(new SplittableRandom(3)), 0, 16, InputScaling.UNIT);
    net.setInput(batch.getFeatures().castTo(type));
    net.setLabels(batch.getLabels().castTo(type));
    net.computeGradientAndScore();
    return net;
  }

  /** The whole gradient's norm and the first trainable layer's, by a Java loop over copies. */
  private static double[] javaLoopNorms(MultiLayerNetwork net, ModelAnatomy anatomy) {
    Layer first = anatomy.firstTrainableLayer();
    return new double[] {
      norm(net.getGradientsViewArray()), norm(first.getGradientsViewArray()),
    };
  }

  private static double norm(INDArray x) {
    double squares = 0;
    for (double v : x.dup().castTo(DataType.DOUBLE).data().asDouble()) {
      squares += v * v;
    }
    return Math.sqrt(squares);
  }
}
