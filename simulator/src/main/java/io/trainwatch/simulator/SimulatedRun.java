package io.trainwatch.simulator;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Stats;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * One run of a simulated fleet: its {@code run_started} and a plausible {@code batch} event per
 * step, shaped by its {@link RunProfile}; the batches come from a {@link TrainingSimulator} whose
 * parts the profile sets. Deterministic for a given seed. Not thread-safe.
 *
 * <p>The numbers follow what real trainers report: a classifier's loss starts near ln(classes) and
 * decays, softmax rows sum to 1, standardized inputs have mean about 0 and std about 1; the faults
 * reproduce the signatures of the failures trainwatch is built for (docs/rules.md).
 */
public final class SimulatedRun {

  private static final String[] TEAMS = {"vision", "nlp", "speech", "ranking", "research"};
  private static final int[] CLASS_CHOICES = {10, 100, 1000};

  /** A diverging run's loss and gradient turn non-finite this many steps after it diverges. */
  private static final int BLOW_UP_STEPS = 12;

  private final String runId;
  private final RunProfile profile;
  private final TrainingSimulator simulator;
  private final Random random;
  private final boolean pytorch;
  private final int numClasses;
  private final int batchSize;
  private final int features;
  private final double lossFloor;
  private final double decaySteps;
  private final int divergesAtStep;
  private final int index;
  private int step;
  private double divergingLoss;

  public SimulatedRun(String runId, int index, RunProfile profile, long seed) {
    this.runId = runId;
    this.index = index;
    this.profile = profile;
    this.simulator = TrainingSimulator.healthyClassifier(runId, seed);
    this.random = simulator.random();
    this.pytorch =
        switch (profile) {
          case SOFTMAX_INTO_NLL, GAUSSIAN_NLL -> true;
          case UNNORMALIZED_INPUT, DIVERGING -> false;
          case HEALTHY -> random.nextBoolean();
        };
    this.numClasses = CLASS_CHOICES[random.nextInt(CLASS_CHOICES.length)];
    this.batchSize = 32 << random.nextInt(4);
    this.features = 784 << random.nextInt(3);
    this.lossFloor = 0.05 + 0.25 * random.nextDouble();
    this.decaySteps = 200 + 800 * random.nextDouble();
    double baseStepMs = 20 + 180 * random.nextDouble();
    this.divergesAtStep = 20 + random.nextInt(40);
    simulator
        .batchSize(batchSize)
        .lr(pytorch ? 3e-4 : 0.01)
        .stepsPerEpoch(1000)
        .loss(this::loss)
        .gradNorm(this::gradNorm)
        .firstLayerShare(null)
        .predictions(this::predictions)
        .input(s -> input())
        .output(this::output)
        .stepMs(s -> baseStepMs * (0.9 + 0.2 * random.nextDouble()));
  }

  public String runId() {
    return runId;
  }

  public RunProfile profile() {
    return profile;
  }

  /** The next step this run will report. */
  public long nextStep() {
    return step;
  }

  /** The run's self-description, sent before its first batch. */
  public RunStarted started(long tsMs) {
    LossDescriptor loss =
        switch (profile) {
          case HEALTHY, UNNORMALIZED_INPUT, DIVERGING ->
              pytorch
                  ? new LossDescriptor("CrossEntropyLoss", InputKind.LOGITS, null, 0.0)
                  : new LossDescriptor("LossMCXENT", InputKind.PROBABILITIES, "softmax", 0.0);
          case SOFTMAX_INTO_NLL ->
              new LossDescriptor("nll_loss", InputKind.LOG_PROBABILITIES, "softmax", 0.0);
          case GAUSSIAN_NLL -> new LossDescriptor("GaussianNLLLoss", InputKind.VALUES, null, null);
        };
    InputRange declaredRange =
        switch (profile) {
          case UNNORMALIZED_INPUT -> index % 2 == 0 ? new InputRange(0, 1) : null;
          default -> index % 2 == 0 ? new InputRange(-5, 5) : null;
        };
    boolean classifier = profile != RunProfile.GAUSSIAN_NLL;
    return new RunStarted(
        runId,
        tsMs,
        pytorch ? "pytorch" : "dl4j",
        "job-" + index % 97,
        String.format(Locale.ROOT, "gpu-%03d", index % 512),
        0,
        classifier ? "mlp " + features + "-512-" + numClasses : "vae " + features + "-64",
        Map.of("team", TEAMS[index % TEAMS.length]),
        classifier ? numClasses : null,
        declaredRange,
        loss,
        Map.of());
  }

  /** The batch of the next step; advances the step. */
  public BatchEvent nextBatch(long tsMs) {
    return simulator.batch(step++, tsMs);
  }

  private double progress(int s) {
    return 1 - Math.exp(-s / decaySteps);
  }

  private boolean blownUp(int s) {
    return profile.fault() == Fault.DIVERGE && s > divergesAtStep + BLOW_UP_STEPS;
  }

  private double loss(int s) {
    double progress = progress(s);
    double initial = Math.log(numClasses);
    double noise = 1 + 0.03 * random.nextGaussian();
    switch (profile) {
      case HEALTHY:
        return (lossFloor + (initial - lossFloor) * (1 - progress)) * noise;
      case UNNORMALIZED_INPUT:
        // Saturated units learn slowly: the loss hardly moves from its initial value.
        return initial * (1 - 0.1 * progress) * noise;
      case GAUSSIAN_NLL:
        // Density above 1 once the predicted variance shrinks: below zero within a few dozen steps.
        return 1.5 - 3.5 * (1 - Math.exp(-s / (decaySteps / 10))) + 0.05 * random.nextGaussian();
      case SOFTMAX_INTO_NLL:
        // -mean(p_target): about -1/C at initialization, sliding towards -1 as the model learns.
        double pTarget = 1.0 / numClasses + (0.9 - 1.0 / numClasses) * progress;
        return -Math.min(1, pTarget * noise);
      case DIVERGING:
        if (s < divergesAtStep) {
          divergingLoss = (lossFloor + (initial - lossFloor) * (1 - progress)) * noise;
          return divergingLoss;
        }
        divergingLoss *= 1.8;
        return blownUp(s) ? Double.NaN : divergingLoss;
      default:
        throw new AssertionError(profile);
    }
  }

  private Stats input() {
    long count = (long) batchSize * features;
    if (profile.fault() == Fault.UNNORMALIZED_INPUT) {
      return Stats.of(
          0, 255, 110 + 5 * random.nextGaussian(), 70 + 3 * random.nextGaussian(), 0, count);
    }
    return Stats.of(
        -2.5 - 0.3 * random.nextDouble(),
        2.5 + 0.3 * random.nextDouble(),
        0.02 * random.nextGaussian(),
        1 + 0.03 * random.nextGaussian(),
        0,
        count);
  }

  private Stats output(int s) {
    long count = (long) batchSize * outputWidth();
    if (blownUp(s)) {
      return Stats.of(
          Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NaN, Double.NaN, count, count);
    }
    double progress = progress(s);
    if (profile == RunProfile.GAUSSIAN_NLL) {
      return Stats.of(
          -4 - random.nextDouble(),
          4 + random.nextDouble(),
          0.05 * random.nextGaussian(),
          1 + 0.05 * random.nextGaussian(),
          0,
          count);
    }
    if (pytorch && profile.fault() != Fault.SOFTMAX_INTO_NLL) {
      // Logits.
      return Stats.of(
          -8 - 4 * progress,
          8 + 6 * progress,
          0.1 * random.nextGaussian(),
          2 + 2 * progress,
          0,
          count);
    }
    double mean = 1.0 / numClasses;
    double max = Math.min(1, 2 * mean + (0.99 - 2 * mean) * progress);
    return new Stats(
        1e-6 * random.nextDouble(),
        max,
        mean,
        mean * (1 + 3 * progress),
        0,
        count,
        1.0,
        1e-7 * random.nextDouble());
  }

  private Predictions predictions(int s) {
    if (profile == RunProfile.GAUSSIAN_NLL) {
      return null;
    }
    double uniform = 1.0 / numClasses;
    double top =
        Math.min(1, uniform + (0.3 - uniform) * random.nextDouble() * (0.5 + 0.5 * progress(s)));
    return new Predictions(Math.max(uniform, top), 0.85 + 0.14 * random.nextDouble());
  }

  private Double gradNorm(int s) {
    if (profile.fault() == Fault.DIVERGE && s >= divergesAtStep) {
      return blownUp(s) ? Double.POSITIVE_INFINITY : Math.pow(2, s - divergesAtStep);
    }
    return (0.1 + (1 - progress(s))) * (1 + 0.1 * random.nextGaussian());
  }

  private int outputWidth() {
    return profile == RunProfile.GAUSSIAN_NLL ? 64 : numClasses;
  }
}
