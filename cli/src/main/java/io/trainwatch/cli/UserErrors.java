package io.trainwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * How every trainwatch command reports a mistake of its user (a bad value in a configuration file,
 * a file it cannot read, a broker it cannot reach): one line naming the problem and a pointer to
 * {@code --help}, exit status 2, the same as a bad flag. An {@link IllegalArgumentException} or
 * {@link IllegalStateException} from a command is such a mistake by convention; anything else is a
 * bug and keeps its stack trace.
 *
 * <pre>{@code
 * new CommandLine(new MyCommand()).setExecutionExceptionHandler(UserErrors.HANDLER)
 * }</pre>
 */
public final class UserErrors implements IExecutionExceptionHandler {

  /** The exit status of a user's mistake, as picocli gives a bad flag. */
  public static final int EXIT_STATUS = 2;

  /** The handler; it holds no state. */
  public static final UserErrors HANDLER = new UserErrors();

  /**
   * The same for a bad flag or value on the command line ({@code --fault nope}, a missing required
   * option): the message and the pointer to {@code --help}, not the whole usage.
   */
  public static final CommandLine.IParameterExceptionHandler PARAMETER_HANDLER =
      (e, args) -> {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr()
            .println(cmd.getColorScheme().errorText(cmd.getCommandName() + ": " + e.getMessage()));
        cmd.getErr()
            .println(
                "Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        return cmd.getExitCodeExceptionMapper() != null
            ? cmd.getExitCodeExceptionMapper().getExitCode(e)
            : cmd.getCommandSpec().exitCodeOnInvalidInput();
      };

  private UserErrors() {}

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parseResult)
      throws Exception {
    if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
      cmd.getErr()
          .println(cmd.getColorScheme().errorText(cmd.getCommandName() + ": " + e.getMessage()));
      cmd.getErr()
          .println(
              "Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
      return EXIT_STATUS;
    }
    throw e;
  }
}
