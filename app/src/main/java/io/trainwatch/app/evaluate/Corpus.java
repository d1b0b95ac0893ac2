package io.trainwatch.app.evaluate;

import io.trainwatch.app.evaluate.Scenario.ExpectedAlert;
import io.trainwatch.schemas.Fault;
import io.trainwatch.trainer.Architecture;
import io.trainwatch.trainer.InputScaling;
import io.trainwatch.trainer.Objective;
import io.trainwatch.trainer.Optimizer;
import io.trainwatch.trainer.TrainingSpec;
import java.util.List;

/**
 * The labeled corpus of the detection-quality harness: healthy variants (architectures, input
 * scalings, a legitimately negative loss, Adam, a noisy small batch), every fault the trainer
 * reproduces, faults that begin mid-run, and one fixed mid-run.
 */
public final class Corpus {

  /** The job of every run, except the stall's. */
  public static final String JOB = "evaluate";

  /**
   * The stalled run's job, whose {@code stalled_run.stall_seconds} the evaluation monitor shortens.
   */
  public static final String STALL_JOB = "evaluate-stall";

  private Corpus() {}

  /** Every scenario; run ids start with {@code prefix}. */
  public static List<Scenario> standard(String prefix) {
    return List.of(
        Scenario.healthy(
            "healthy-mlp",
            "MLP, SGD, standardized inputs, softmax + MCXENT",
            spec(prefix, "healthy-mlp", Fault.NONE)),
        Scenario.healthy(
            "healthy-deep-mlp-unit",
            "five-layer ReLU MLP (He init), inputs in [0, 1]",
            spec(prefix, "healthy-deep-mlp-unit", Fault.NONE)
                .withArchitecture(Architecture.DEEP_MLP)
                .withInputScaling(InputScaling.UNIT)
                .withSeed(7)),
        Scenario.healthy(
            "healthy-conv",
            "convolution + pooling + dense, standardized inputs",
            spec(prefix, "healthy-conv", Fault.NONE)
                .withArchitecture(Architecture.CONV)
                .withSeed(11)),
        Scenario.healthy(
            "healthy-cosine-adam",
            "cosine-proximity regression with Adam: loss legitimately "
                + "negative (about 0 down to -0.95), declared lower bound -1",
            spec(prefix, "healthy-cosine-adam", Fault.NONE)
                .withObjective(Objective.COSINE_REGRESSION)
                .withOptimizer(Optimizer.ADAM)
                .withSeed(13)),
        Scenario.healthy(
            "healthy-small-batch",
            "MLP with batches of 8: a noisy loss curve",
            spec(prefix, "healthy-small-batch", Fault.NONE).withBatchSize(8).withSeed(7)),
        Scenario.healthy(
            "healthy-amp",
            "MLP as fp16 with dynamic loss scaling (GradScaler's 2^16, doubled every 25 applied steps):"
                + " the scaler skips the first steps while it calibrates and one now and then",
            spec(prefix, "healthy-amp", Fault.NONE).withMixedPrecision(true)),
        Scenario.healthy(
            "healthy-amp-conv",
            "convolution network as fp16 with dynamic loss scaling: 5 skipped steps in a row at the"
                + " start, then one now and then",
            spec(prefix, "healthy-amp-conv", Fault.NONE)
                .withArchitecture(Architecture.CONV)
                .withSeed(11)
                .withMixedPrecision(true)),
        Scenario.faulty(
                "softmax-into-nll",
                "softmax output into a loss expecting log-probabilities (PyTorch bug)",
                spec(prefix, "softmax-into-nll", Fault.SOFTMAX_INTO_NLL),
                ExpectedAlert.of("negative_loss", "softmax_into_nll"))
            .accepting("loss_at_init"),
        Scenario.faulty(
            "unnormalized-input",
            "raw 0..255 pixel inputs from the start",
            spec(prefix, "unnormalized-input", Fault.UNNORMALIZED_INPUT),
            ExpectedAlert.of("unnormalized_input", "pixel_scale")),
        Scenario.faulty(
            "non-finite",
            "learning rate 1e6 from the start: NaN within a few steps",
            spec(prefix, "non-finite", Fault.DIVERGE),
            ExpectedAlert.of("nonfinite_loss", "diverged")),
        Scenario.faulty(
            "bad-init-loss",
            "weights N(0, 1) instead of Xavier: first losses about 20, not ln 10",
            spec(prefix, "bad-init-loss", Fault.BAD_INIT_LOSS),
            ExpectedAlert.of("loss_at_init", "init_loss_too_high")),
        Scenario.faulty(
                "exploding-gradient",
                "learning rate x100 from step 100: gradient norm explodes, no NaN",
                spec(prefix, "exploding-gradient", Fault.EXPLODING_GRADIENT).withSteps(200),
                ExpectedAlert.of("exploding_gradient", "gradient_spike"))
            // The blown-up network's loss rises, it predicts one class, and its first layer's ReLUs
            // are dead (no
            // gradient reaches them any more): all true, all named in the report.
            .accepting("loss_spike", "loss_divergence", "output_collapse", "vanishing_gradient"),
        Scenario.faulty(
                "vanishing-gradient",
                "six sigmoid layers, weights N(0, 0.01^2): nothing is learned",
                spec(prefix, "vanishing-gradient", Fault.VANISHING_GRADIENT),
                ExpectedAlert.of("vanishing_gradient", "first_layer_gradient_vanished"))
            // The whole gradient stays at about half its early level (the output layer learns); the
            // first layer's
            // is 1e-9 of it from step 0. Nothing is learned, so the loss also plateaus, 250 batches
            // later.
            .accepting("loss_plateau"),
        Scenario.faulty(
                "output-collapse",
                "every label is class 0 from step 100 (broken label pipeline)",
                spec(prefix, "output-collapse", Fault.OUTPUT_COLLAPSE).withSteps(200),
                ExpectedAlert.of("output_collapse", "single_class"))
            .measuredFrom(DelayOrigin.PREDICTIONS_COLLAPSED)
            // The new labels make the loss jump at once (7 instead of 0.05), before the predictions
            // follow.
            .accepting("loss_spike", "loss_divergence"),
        Scenario.faulty(
                "plateau",
                "learning rate 1e5 times too small: the loss never moves",
                spec(prefix, "plateau", Fault.PLATEAU),
                ExpectedAlert.of("loss_plateau", "not_learning"))
            .measuredFrom(DelayOrigin.PLATEAU_DECIDABLE),
        Scenario.faulty(
                "stall",
                "hangs at step 100: no more batches, no run_ended",
                spec(prefix, "stall", Fault.STALL).withJob(STALL_JOB),
                ExpectedAlert.of("stalled_run", "stopped_reporting"))
            .measuredFrom(DelayOrigin.LAST_EVENT),
        Scenario.faulty(
            "unnormalized-from-300",
            "inputs stop being normalized at step 300",
            spec(prefix, "unnormalized-from-300", Fault.UNNORMALIZED_INPUT)
                .withSteps(400)
                .withFaultWindow(300, null),
            ExpectedAlert.of("unnormalized_input", "pixel_scale")),
        // A learning rate that explodes after a healthy start: the loss leaves its best level
        // (loss_divergence) and
        // the weights overflow to NaN (nonfinite_loss/diverged). Which one is first depends only on
        // how many finite
        // batches the blow-up takes (one or two here: NaN wins; three or more: loss_divergence
        // wins), and both tell
        // the on-call engineer the same thing with the learning rate in the evidence: either
        // detects it.
        Scenario.faulty(
            "lr-jump-at-500",
            "learning rate jumps from 0.02 to 1e6 at step 500",
            spec(prefix, "lr-jump-at-500", Fault.DIVERGE).withSteps(520).withFaultWindow(500, null),
            ExpectedAlert.of("nonfinite_loss", "diverged"),
            ExpectedAlert.of("loss_spike", "sudden_spike"),
            ExpectedAlert.of("loss_spike", "gradual_rise")),
        Scenario.faulty(
                "unnormalized-150-to-250",
                "Adam; inputs unnormalized from step 150, fixed at step 250",
                spec(prefix, "unnormalized-150-to-250", Fault.UNNORMALIZED_INPUT)
                    .withOptimizer(Optimizer.ADAM)
                    .withSteps(350)
                    .withFaultWindow(150, 250),
                ExpectedAlert.of("unnormalized_input", "pixel_scale"))
            .withFixAtRecovery(),
        // Mixed precision: the learning rate blows the weights up at step 150, every step from 151
        // on overflows fp16 whatever the scale, the scaler skips them all and halves the scale
        // towards 0. No update is applied any more: training has stopped, and nothing else can see
        // it (skipped steps are not judged by the loss and gradient rules).
        Scenario.faulty(
            "amp-scale-collapse",
            "fp16 with dynamic loss scaling; learning rate 1e6 at step 150: every later step is"
                + " skipped, the scale falls towards 0",
            spec(prefix, "amp-scale-collapse", Fault.DIVERGE)
                .withSteps(200)
                .withFaultWindow(150, null)
                .withMixedPrecision(true),
            ExpectedAlert.of("loss_scale_collapse", "nonfinite_gradients"),
            ExpectedAlert.of("loss_scale_collapse", "nonfinite_forward")),
        // BLOOM's spike: up at once, back by itself. A warning, never a page (loss_divergence is
        // not accepted here).
        Scenario.faulty(
            "spike-recovers",
            "random labels for 5 steps from step 200 (a corrupt shard): the loss jumps from 0.02 to"
                + " 10 and comes back by itself",
            spec(prefix, "spike-recovers", Fault.CORRUPT_BATCHES).withFaultWindow(200, 205),
            ExpectedAlert.of("loss_spike", "sudden_spike")),
        Scenario.faulty(
                "spike-persists",
                "random labels from step 200 on: the loss jumps and never comes back",
                spec(prefix, "spike-persists", Fault.CORRUPT_BATCHES)
                    .withSteps(240)
                    .withFaultWindow(200, null),
                ExpectedAlert.of("loss_divergence", "loss_spike"))
            .measuredFrom(DelayOrigin.RECOVERY_WINDOW)
            .accepting("loss_spike"));
  }

  private static TrainingSpec spec(String prefix, String name, Fault fault) {
    return TrainingSpec.of(prefix + name, fault).withJob(JOB);
  }
}
