package io.trainwatch.cli;

import java.util.Map;
import picocli.CommandLine;

/**
 * How every trainwatch command line is set up, whichever entry point runs it ({@code ./trainwatch},
 * a role image, a command's own {@code main}): options default from {@code TRAINWATCH_<OPTION>}
 * environment variables ({@link EnvironmentDefaults}), a user's mistake is one line and a pointer
 * to {@code --help} ({@link UserErrors}), enumerations are case-insensitive.
 */
public final class Commands {

  private Commands() {}

  /** {@code commandLine} set up with the process environment. */
  public static CommandLine configure(CommandLine commandLine) {
    return configure(commandLine, System.getenv());
  }

  /**
   * {@code commandLine} and every subcommand it already has, set up with {@code environment} as the
   * source of defaults.
   */
  public static CommandLine configure(CommandLine commandLine, Map<String, String> environment) {
    return commandLine
        .setDefaultValueProvider(new EnvironmentDefaults(environment))
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(UserErrors.HANDLER)
        .setParameterExceptionHandler(UserErrors.PARAMETER_HANDLER);
  }
}
