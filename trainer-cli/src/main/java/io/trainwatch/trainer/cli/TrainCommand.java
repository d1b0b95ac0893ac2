package io.trainwatch.trainer.cli;

import io.trainwatch.cli.ClientConfigOption;
import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.cli.PropertiesFile;
import io.trainwatch.cli.TopicPrefixOption;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.trainer.Architecture;
import io.trainwatch.trainer.InputScaling;
import io.trainwatch.trainer.KafkaEventPublisher;
import io.trainwatch.trainer.KafkaPublisherSettings;
import io.trainwatch.trainer.Objective;
import io.trainwatch.trainer.Optimizer;
import io.trainwatch.trainer.PublisherConfigDef;
import io.trainwatch.trainer.TrainingReport;
import io.trainwatch.trainer.TrainingRun;
import io.trainwatch.trainer.TrainingSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code trainwatch train}: one real DL4J training run on generated data, publishing to Kafka. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Trains a small DL4J network on generated 8x8 'pixel' images and publishes every iteration to Kafka, "
          + "optionally reproducing a training bug.",
      "Exit code: 0 when the run completed or stalled as asked (a fault is the point), 1 when training failed."
    })
public final class TrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--bootstrap-server",
      required = true,
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Run id (default: <fault>-<random>).")
  String runId;

  @Option(names = "--job", paramLabel = "NAME", description = "Job name, shared by related runs.")
  String job;

  @Option(
      names = "--fault",
      paramLabel = "FAULT",
      converter = WireNames.FaultConverter.class,
      completionCandidates = WireNames.FaultNames.class,
      defaultValue = "none",
      description = "Bug to reproduce: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Fault fault;

  @Option(
      names = "--onset-step",
      paramLabel = "N",
      description =
          "For a timed fault: the step it starts at (default: 100 for exploding-gradient, output-collapse "
              + "and stall, else 0).")
  Integer onsetStep;

  @Option(
      names = "--recovery-step",
      paramLabel = "M",
      description = "For a timed fault: the step it is fixed at (default: never).")
  Integer recoveryStep;

  @Option(
      names = "--architecture",
      paramLabel = "NET",
      converter = WireNames.ArchitectureConverter.class,
      completionCandidates = WireNames.ArchitectureNames.class,
      defaultValue = "mlp",
      description = "Network: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Architecture architecture;

  @Option(
      names = "--input-scaling",
      paramLabel = "SCALING",
      converter = WireNames.InputScalingConverter.class,
      defaultValue = "standardized",
      description =
          "Healthy input scaling: standardized or unit ([0, 1]) " + "(default: ${DEFAULT-VALUE}).")
  InputScaling inputScaling;

  @Option(
      names = "--objective",
      paramLabel = "OBJECTIVE",
      converter = WireNames.ObjectiveConverter.class,
      completionCandidates = WireNames.ObjectiveNames.class,
      defaultValue = "classification",
      description =
          "${COMPLETION-CANDIDATES}; cosine-regression has a legitimately negative loss "
              + "(default: ${DEFAULT-VALUE}).")
  Objective objective;

  @Option(
      names = "--optimizer",
      paramLabel = "OPTIMIZER",
      converter = WireNames.OptimizerConverter.class,
      completionCandidates = WireNames.OptimizerNames.class,
      defaultValue = "sgd",
      description =
          "${COMPLETION-CANDIDATES}: SGD with Nesterov momentum (lr 0.02) or Adam (lr 1e-3) "
              + "(default: ${DEFAULT-VALUE}).")
  Optimizer optimizer;

  @ArgGroup(exclusive = true)
  Length length = new Length();

  static final class Length {
    @Option(
        names = "--steps",
        paramLabel = "N",
        description = "Iterations to run (default: " + TrainingSpec.DEFAULT_STEPS + ").")
    Integer steps;

    @Option(names = "--epochs", paramLabel = "E", description = "Epochs to run instead of --steps.")
    Integer epochs;
  }

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "" + TrainingSpec.DEFAULT_BATCH_SIZE,
      description = "Examples per iteration (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--classes",
      paramLabel = "C",
      defaultValue = "" + TrainingSpec.DEFAULT_CLASSES,
      description = "Classes of the generated problem (default: ${DEFAULT-VALUE}).")
  int classes;

  @Option(
      names = "--seed",
      paramLabel = "SEED",
      defaultValue = "" + TrainingSpec.DEFAULT_SEED,
      description = "Seed for data, initialization and shuffling (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "Label passed through to alerts; repeatable.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Mixin ClientConfigOption kafkaClient;

  /** In front of publisher.topic. */
  @Mixin TopicPrefixOption topicPrefix;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Publisher settings (properties: publisher.topic, publisher.queue_capacity, ...; "
              + "docs/trainer.md); defaults built in.")
  Path config;

  @Option(
      names = "--delivery-timeout",
      paramLabel = "DURATION",
      description =
          "How long an event may wait for the broker before it counts as failed, ISO-8601; "
              + "overrides publisher.delivery_timeout_ms (default: PT30S).")
  Duration deliveryTimeout;

  @Override
  public Integer call() {
    TrainingSpec training = trainingSpec();
    KafkaPublisherSettings settings = publisherSettings();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "training run "
            + training.runId()
            + " ("
            + fault.wire()
            + ": "
            + fault.description()
            + "), "
            + training.steps()
            + " steps of a "
            + training.architecture().wire()
            + " ("
            + training.objective().wire()
            + ", "
            + training.optimizer().wire()
            + "), publishing to "
            + settings.topic()
            + " on "
            + bootstrapServers);
    out.flush();
    TrainingReport report;
    try (KafkaEventPublisher publisher = new KafkaEventPublisher(settings)) {
      report = TrainingRun.run(training, publisher);
    }
    out.println(report.summary());
    out.flush();
    return report.status() == RunStatus.FAILED ? 1 : 0;
  }

  /**
   * The publisher the options describe: {@code --config} keys, {@code --topic-prefix} in front of
   * the topic, then {@code --delivery-timeout}; bad keys and values fail with one line naming the
   * key.
   */
  KafkaPublisherSettings publisherSettings() {
    Map<String, String> file = PropertiesFile.read(config, "--config");
    for (String key : file.keySet()) {
      if (!PublisherConfigDef.DEF.names().contains(key)) {
        throw new IllegalArgumentException(
            key
                + ": unknown key (publisher keys: "
                + String.join(", ", PublisherConfigDef.DEF.names())
                + "; Kafka client settings go in --client-config)");
      }
    }
    KafkaPublisherSettings s =
        KafkaPublisherSettings.fromConfig(
                bootstrapServers, ConfigDefs.parse(PublisherConfigDef.DEF, file))
            .withClientProperties(kafkaClient.properties());
    s = s.withTopic(topicPrefix.apply(s.topic()));
    if (deliveryTimeout != null) {
      s = s.withTimeouts(deliveryTimeout, s.metadataWarmup(), s.closeTimeout());
    }
    return s;
  }

  /** The run the options describe; bad values fail with a message naming the option. */
  TrainingSpec trainingSpec() {
    String id =
        runId != null ? runId : fault.wire() + "-" + UUID.randomUUID().toString().substring(0, 8);
    TrainingSpec s =
        TrainingSpec.of(id, fault)
            .withJob(job)
            .withBatchSize(batchSize)
            .withClasses(classes)
            .withSeed(seed)
            .withLabels(labels)
            .withArchitecture(architecture)
            .withInputScaling(inputScaling)
            .withObjective(objective)
            .withOptimizer(optimizer);
    if (length.epochs != null) {
      if (length.epochs < 1) {
        throw new IllegalArgumentException("--epochs=" + length.epochs + ": must be >= 1");
      }
      s = s.withSteps(Math.multiplyExact(length.epochs, s.stepsPerEpoch()));
    } else if (length.steps != null) {
      s = s.withSteps(length.steps);
    }
    if (onsetStep != null || recoveryStep != null) {
      s = s.withFaultWindow(onsetStep != null ? onsetStep : fault.defaultOnsetStep(), recoveryStep);
    }
    return s;
  }
}
