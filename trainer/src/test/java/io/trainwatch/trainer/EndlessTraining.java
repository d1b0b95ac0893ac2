package io.trainwatch.trainer;

import io.trainwatch.schemas.Fault;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A child process for {@link KafkaPublishingIT}: trains until killed, with a listener that owns its
 * Kafka publisher and never gets to call {@code end}. Arguments: bootstrap servers, run id.
 */
final class EndlessTraining {

  private EndlessTraining() {}

  public static void main(String[] args) {
    TrainingSpec spec = TrainingSpec.of(args[1], Fault.NONE);
    SyntheticPixels data =
        SyntheticPixels.generate(spec.numClasses(), spec.examples(), spec.seed());
    MultiLayerNetwork net = Networks.build(spec);
    TrainwatchListener listener =
        TrainwatchListener.builder().kafka(args[0]).runId(args[1]).build();
    net.setListeners(listener);
    int[] order = data.shuffledOrder(new java.util.SplittableRandom(1));
    for (int step = 0; ; step++) {
      net.fit(
          data.batch(
              order,
              (step % spec.stepsPerEpoch()) * spec.batchSize(),
              spec.batchSize(),
              InputScaling.STANDARDIZED));
    }
  }
}
