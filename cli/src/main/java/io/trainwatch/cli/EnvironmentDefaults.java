package io.trainwatch.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Lets the environment supply any option a command did not get on its command line: {@code
 * --bootstrap-server} is read from {@code TRAINWATCH_BOOTSTRAP_SERVER}, {@code --state-dir} from
 * {@code TRAINWATCH_STATE_DIR}, and so on. An option with several names (an alias such as {@code
 * --client-config} for {@code --command-config}) is read from the variable of any of them, its
 * first name first. Arguments on the command line still win.
 *
 * <p>Every trainwatch command line installs it ({@link Commands#configure}): {@code ./trainwatch},
 * the role images, each command's own {@code main}. Containers are configured through their
 * environment; so can be a shell or a CI job.
 */
public final class EnvironmentDefaults implements IDefaultValueProvider {

  /** What every variable name starts with. */
  public static final String PREFIX = "TRAINWATCH_";

  private final Map<String, String> environment;

  public EnvironmentDefaults(Map<String, String> environment) {
    this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
  }

  /** {@code --bootstrap-server} → {@code TRAINWATCH_BOOTSTRAP_SERVER}. */
  public static String variableFor(String optionName) {
    String bare = optionName.replaceFirst("^-+", "");
    if (bare.isEmpty()) {
      throw new IllegalArgumentException(
          "optionName=" + optionName + ": must contain a name after the dashes");
    }
    return PREFIX + bare.replace('-', '_').toUpperCase(Locale.ROOT);
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    for (String name : option.names()) {
      if (!name.startsWith("--")) {
        continue; // -h, -V: no variable for short names
      }
      String value = environment.get(variableFor(name));
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }
}
