package io.trainwatch.app;

import io.trainwatch.cli.Commands;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./trainwatch}: one entry point for every part of the system. */
@Command(
    name = "trainwatch",
    mixinStandardHelpOptions = true,
    version = "trainwatch 0.1.0",
    description = "Watches neural-network training runs over Kafka and alerts when one goes wrong.",
    subcommands = {
      DemoCommand.class,
      BrokerCommand.class,
      io.trainwatch.monitor.MonitorCommand.class,
      io.trainwatch.trainer.cli.TrainCommand.class,
      AlertsCommand.class,
      StatusCommand.class,
      EvaluateCommand.class,
      io.trainwatch.bridge.BridgeCommand.class,
      BenchEntry.class,
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line; exposed for tests. */
  static CommandLine commandLine() {
    return commandLine(System.getenv());
  }

  /** The command line with {@code environment} as the source of {@code TRAINWATCH_*} defaults. */
  static CommandLine commandLine(java.util.Map<String, String> environment) {
    return Commands.configure(new CommandLine(new Main()), environment);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
