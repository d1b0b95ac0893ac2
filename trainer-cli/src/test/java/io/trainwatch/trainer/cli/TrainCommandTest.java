package io.trainwatch.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.Fault;
import io.trainwatch.trainer.Architecture;
import io.trainwatch.trainer.InputScaling;
import io.trainwatch.trainer.Objective;
import io.trainwatch.trainer.Optimizer;
import io.trainwatch.trainer.TrainingSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrainCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void shouldListEveryFaultInItsHelp() {
    int exit = execute("--help");

    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("--bootstrap-server", "--fault=FAULT")
        .contains(Fault.wireNames());
  }

  @Test
  void shouldRejectAnUnknownFaultWithAUsageLineNamingTheValidOnes() {
    int exit = execute("--bootstrap-server", "localhost:9092", "--fault", "exploding");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .contains("'exploding': not one of " + String.join(", ", Fault.wireNames()))
        .contains("Usage: train")
        .doesNotContain("Exception");
  }

  @Test
  void shouldRequireABootstrapServer() {
    int exit = execute("--fault", "diverge");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--bootstrap-server=HOST:PORT'");
  }

  @Test
  void shouldRefuseStepsAndEpochsTogether() {
    int exit = execute("--bootstrap-server", "localhost:9092", "--steps", "10", "--epochs", "2");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("mutually exclusive");
  }

  @Test
  void shouldDescribeTheRunItsOptionsAskFor() {
    TrainingSpec spec =
        parse(
            "--bootstrap-server",
            "localhost:9092",
            "--fault",
            "unnormalized-input",
            "--onset-step",
            "50",
            "--recovery-step",
            "80",
            "--steps",
            "120",
            "--batch-size",
            "16",
            "--classes",
            "4",
            "--seed",
            "7",
            "--run-id",
            "r1",
            "--job",
            "j",
            "--label",
            "team=vision");

    assertThat(spec)
        .isEqualTo(
            new TrainingSpec(
                "r1",
                "j",
                Fault.UNNORMALIZED_INPUT,
                120,
                16,
                4,
                TrainingSpec.DEFAULT_EXAMPLES,
                7,
                50,
                80,
                Map.of("team", "vision"),
                Architecture.MLP,
                InputScaling.STANDARDIZED,
                Objective.CLASSIFICATION,
                Optimizer.SGD));
  }

  @Test
  void shouldChooseTheNetworkItsObjectiveAndItsOptimizer() {
    TrainingSpec spec =
        parse(
            "--bootstrap-server",
            "h:1",
            "--architecture",
            "conv",
            "--input-scaling",
            "unit",
            "--objective",
            "cosine-regression",
            "--optimizer",
            "adam");

    assertThat(spec.architecture()).isEqualTo(Architecture.CONV);
    assertThat(spec.inputScaling()).isEqualTo(InputScaling.UNIT);
    assertThat(spec.objective()).isEqualTo(Objective.COSINE_REGRESSION);
    assertThat(spec.optimizer()).isEqualTo(Optimizer.ADAM);
  }

  @Test
  void shouldStartATimedFaultAtItsDefaultOnsetUnlessTold() {
    assertThat(parse("--bootstrap-server", "h:1", "--fault", "output-collapse").onsetStep())
        .isEqualTo(100);
    assertThat(
            parse("--bootstrap-server", "h:1", "--fault", "stall", "--onset-step", "7").onsetStep())
        .isEqualTo(7);
    assertThat(
            parse("--bootstrap-server", "h:1", "--fault", "plateau", "--recovery-step", "9")
                .onsetStep())
        .isZero();
  }

  @Test
  void shouldRefuseRawInputsAsAHealthyScaling() {
    assertThatThrownBy(() -> parse("--bootstrap-server", "h:1", "--input-scaling", "raw"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input_scaling=raw: raw inputs are the unnormalized-input fault");
  }

  @Test
  void shouldRefuseAnUnknownArchitectureWithAUsageLine() {
    int exit = execute("--bootstrap-server", "h:1", "--architecture", "transformer");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("'transformer': not one of mlp, deep-mlp, conv");
  }

  @Test
  void shouldTurnEpochsIntoSteps() {
    TrainingSpec spec = parse("--bootstrap-server", "localhost:9092", "--epochs", "3");

    assertThat(spec.steps())
        .isEqualTo(3 * TrainingSpec.DEFAULT_EXAMPLES / TrainingSpec.DEFAULT_BATCH_SIZE);
    assertThat(spec.runId()).startsWith("none-");
  }

  @Test
  void shouldExplainWhyAWholeRunFaultTakesNoOnset() {
    assertThatThrownBy(
            () ->
                parse(
                    "--bootstrap-server",
                    "h:1",
                    "--fault",
                    "softmax-into-nll",
                    "--onset-step",
                    "5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fault softmax-into-nll: lasts the whole run, so it takes no onset step");
  }

  @Test
  void shouldExplainABadStepCount() {
    assertThatThrownBy(() -> parse("--bootstrap-server", "h:1", "--steps", "0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("steps=0: must be >= 1");
  }

  @Test
  void shouldReadPublisherSettingsFromAConfigFile(@org.junit.jupiter.api.io.TempDir Path dir)
      throws java.io.IOException {
    Path f = dir.resolve("publisher.properties");
    java.nio.file.Files.writeString(
        f, "publisher.topic=team-a.trainwatch.events\npublisher.queue_capacity=64\n");
    TrainCommand command = new TrainCommand();
    new CommandLine(command)
        .parseArgs(
            "--bootstrap-server", "h:1", "--config", f.toString(), "--delivery-timeout", "PT5S");

    io.trainwatch.trainer.KafkaPublisherSettings s = command.publisherSettings();

    assertThat(s.topic()).isEqualTo("team-a.trainwatch.events");
    assertThat(s.queueCapacity()).isEqualTo(64);
    assertThat(s.deliveryTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
    assertThat(s.linger()).isEqualTo(java.time.Duration.ofMillis(5));
  }

  @Test
  void shouldPutTheTopicPrefixInFrontOfTheConfiguredTopic(
      @org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
    TrainCommand plain = new TrainCommand();
    new CommandLine(plain).parseArgs("--bootstrap-server", "h:1", "--topic-prefix", "team-a.");
    Path f = dir.resolve("publisher.properties");
    java.nio.file.Files.writeString(f, "publisher.topic=ml.events\n");
    TrainCommand configured = new TrainCommand();
    new CommandLine(configured)
        .parseArgs("--bootstrap-server", "h:1", "--config", f.toString(), "--topic-prefix", "b-");

    assertThat(plain.publisherSettings().topic()).isEqualTo("team-a.trainwatch.events");
    assertThat(configured.publisherSettings().topic()).isEqualTo("b-ml.events");
  }

  @Test
  void shouldRefuseABadPublisherKeyInOneLine(@org.junit.jupiter.api.io.TempDir Path dir)
      throws java.io.IOException {
    Path f = dir.resolve("publisher.properties");
    java.nio.file.Files.writeString(f, "publisher.queue_capacity=0\n");
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs("--bootstrap-server", "h:1", "--config", f.toString());

    assertThatThrownBy(command::publisherSettings)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("publisher.queue_capacity=0: must be >= 1");
    java.nio.file.Files.writeString(f, "security.protocol=SSL\n");
    assertThatThrownBy(command::publisherSettings)
        .hasMessageStartingWith("security.protocol: unknown key (publisher keys: publisher.topic,");
  }

  private int execute(String... args) {
    return new CommandLine(new TrainCommand())
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(args);
  }

  private static TrainingSpec parse(String... args) {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs(args);
    return command.trainingSpec();
  }
}
