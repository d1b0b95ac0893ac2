package io.trainwatch.containers;

import io.trainwatch.cli.Commands;
import io.trainwatch.cli.EnvironmentDefaults;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * The entry point of every role image: runs one of the project's picocli commands, named by its
 * class, exactly as {@code ./trainwatch} would, with options also taken from {@code TRAINWATCH_*}
 * environment variables.
 *
 * <pre>
 * java -cp '/opt/trainwatch/lib/*' io.trainwatch.containers.RoleMain io.trainwatch.monitor.MonitorCommand \
 *     --bootstrap-server localhost:9092
 * </pre>
 *
 * <p>Why not {@code io.trainwatch.app.Main monitor ...}: {@code Main} names every subcommand,
 * trainer included, so it needs DL4J on the classpath. Naming one command class lets each image
 * carry only its own module's classpath.
 */
public final class RoleMain {

  private RoleMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    if (args.length == 0) {
      System.err.println("usage: RoleMain <picocli command class> [options...]");
      return 2;
    }
    Class<?> commandClass;
    try {
      commandClass = Class.forName(args[0]);
    } catch (ClassNotFoundException e) {
      System.err.println(
          "RoleMain: command class " + args[0] + " is not on this image's classpath");
      return 2;
    }
    return commandLine(commandClass, new EnvironmentDefaults(System.getenv()))
        .execute(Arrays.copyOfRange(args, 1, args.length));
  }

  static CommandLine commandLine(
      Class<?> commandClass, CommandLine.IDefaultValueProvider defaults) {
    return Commands.configure(new CommandLine(commandClass)).setDefaultValueProvider(defaults);
  }
}
