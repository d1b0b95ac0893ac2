package io.trainwatch.containers;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Lets the environment supply any option a role image's command did not get on its command line:
 * {@code --bootstrap-server} is read from {@code TRAINWATCH_BOOTSTRAP_SERVER}, {@code --state-dir}
 * from {@code TRAINWATCH_STATE_DIR}, and so on.
 *
 * <p>Containers are configured through their environment (compose files, Kubernetes manifests);
 * this also lets a Dockerfile set defaults such as the state directory that survive a user
 * replacing the command's arguments. Arguments on the command line still win.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {

  static final String PREFIX = "TRAINWATCH_";

  private final Map<String, String> environment;

  EnvironmentDefaults(Map<String, String> environment) {
    this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
  }

  /** {@code --bootstrap-server} → {@code TRAINWATCH_BOOTSTRAP_SERVER}. */
  static String variableFor(String optionName) {
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
    String value = environment.get(variableFor(option.longestName()));
    return value == null || value.isBlank() ? null : value;
  }
}
