package io.trainwatch.app.evaluate;

import io.trainwatch.app.evaluate.Scenario.ExpectedAlert;
import io.trainwatch.trainer.Fault;
import io.trainwatch.trainer.TrainingSpec;
import java.util.List;

/** The labeled corpus of the detection-quality harness: healthy variants, seed faults, mid-run faults. */
public final class Corpus {

  private Corpus() {}

  /** Every scenario; run ids start with {@code prefix}. */
  public static List<Scenario> standard(String prefix) {
    return List.of(
        healthy("healthy-mlp", "MLP, softmax + MCXENT, standardized inputs", spec(prefix, "healthy-mlp",
            Fault.NONE)),
        healthy("healthy-small-batch", "same MLP, batch of 8: a noisy loss curve",
            spec(prefix, "healthy-small-batch", Fault.NONE).withBatchSize(8).withSeed(7)),
        healthy("healthy-3-classes", "3-class problem, another seed",
            spec(prefix, "healthy-3-classes", Fault.NONE).withClasses(3).withSeed(11)),
        faulty("softmax-into-nll", "softmax output into a loss expecting log-probabilities (PyTorch bug)",
            spec(prefix, "softmax-into-nll", Fault.SOFTMAX_INTO_NLL),
            ExpectedAlert.of("negative_loss", "softmax_into_nll")),
        faulty("unnormalized-input", "0..255 pixel inputs from the start",
            spec(prefix, "unnormalized-input", Fault.UNNORMALIZED_INPUT), ExpectedAlert.of("unnormalized_input")),
        faulty("diverge", "learning rate 500x too high from the start",
            spec(prefix, "diverge", Fault.DIVERGE), ExpectedAlert.of("nonfinite_loss")),
        faulty("unnormalized-from-300", "inputs stop being normalized at step 300",
            spec(prefix, "unnormalized-from-300", Fault.UNNORMALIZED_INPUT).withSteps(400).withFaultWindow(300, null),
            ExpectedAlert.of("unnormalized_input")),
        faulty("lr-jump-at-250", "learning rate jumps 500x at step 250",
            spec(prefix, "lr-jump-at-250", Fault.DIVERGE).withSteps(320).withFaultWindow(250, null),
            ExpectedAlert.of("nonfinite_loss")),
        new Scenario("unnormalized-150-to-250", "inputs unnormalized between steps 150 and 250, then fixed",
            spec(prefix, "unnormalized-150-to-250", Fault.UNNORMALIZED_INPUT).withSteps(350)
                .withFaultWindow(150, 250),
            List.of(ExpectedAlert.of("unnormalized_input")), true));
  }

  private static TrainingSpec spec(String prefix, String name, Fault fault) {
    return TrainingSpec.of(prefix + name, fault).withJob("evaluate");
  }

  private static Scenario healthy(String name, String description, TrainingSpec spec) {
    return new Scenario(name, description, spec, List.of(), false);
  }

  private static Scenario faulty(String name, String description, TrainingSpec spec, ExpectedAlert expected) {
    return new Scenario(name, description, spec, List.of(expected), false);
  }
}
