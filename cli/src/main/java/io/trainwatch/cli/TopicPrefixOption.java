package io.trainwatch.cli;

import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code --topic-prefix PREFIX} option of every role that names Kafka resources ({@code
 * monitor}, {@code bridge}, {@code train}): PREFIX goes in front of every topic, consumer group and
 * transactional id the role uses, so that a shared cluster whose ACLs grant a team one prefix
 * ({@code --resource-pattern-type prefixed}) can host it. The names themselves stay the role's
 * configuration keys ({@code monitor.topics.*}, {@code bridge.topic}, {@code publisher.topic}); the
 * prefix goes in front of what they say. Like every option it may come from the environment ({@code
 * TRAINWATCH_TOPIC_PREFIX}, {@link EnvironmentDefaults}). Add it with {@code @Mixin
 * TopicPrefixOption topicPrefix;}.
 */
public final class TopicPrefixOption {

  /** The option's name. */
  public static final String OPTION = "--topic-prefix";

  /** Kafka's topic-name characters (a group or transactional id allows more: these fit all). */
  private static final Pattern PREFIX = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  private String prefix = "";

  @Option(
      names = OPTION,
      paramLabel = "PREFIX",
      description =
          "Put PREFIX in front of every topic, consumer group and transactional id this command "
              + "uses, for a shared cluster whose ACLs grant one prefix (e.g. team-a.).")
  void prefix(String value) {
    if (value == null || value.isEmpty()) {
      prefix = "";
      return;
    }
    if (!PREFIX.matcher(value).matches()) {
      throw new ParameterException(
          mixee.commandLine(),
          OPTION
              + "="
              + value
              + ": must be 1 to 200 of a-z A-Z 0-9 . _ - (the characters of a topic name)");
    }
    prefix = value;
  }

  /** The prefix, or the empty string when none was given. */
  public String value() {
    return prefix;
  }

  /** {@code name} with the prefix in front. */
  public String apply(String name) {
    return prefix + name;
  }
}
