package io.trainwatch.reliability;

import java.util.Arrays;
import picocli.CommandLine;

/**
 * Runs one picocli command class in a child JVM, as {@code ./trainwatch <command>} would: {@code
 * CommandMain <command class> <args...>}. The app module that aggregates the commands is built
 * after this one.
 */
public final class CommandMain {

  private CommandMain() {}

  public static void main(String[] args) throws ReflectiveOperationException {
    Object command = Class.forName(args[0]).getDeclaredConstructor().newInstance();
    System.exit(new CommandLine(command).execute(Arrays.copyOfRange(args, 1, args.length)));
  }
}
