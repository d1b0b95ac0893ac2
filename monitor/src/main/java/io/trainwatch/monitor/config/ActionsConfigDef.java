package io.trainwatch.monitor.config;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.schemas.Topics;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;

/**
 * The keys of closed-loop actions ({@code actions.*}, and the control topic's {@code
 * monitor.topics.control*}): a Kafka {@link ConfigDef} for the fixed keys, and {@link #POLICY} for
 * the keys of one policy, documented as {@code actions.policy.<name>.<key>}. docs/configuration.md
 * documents every key; ConfigurationDocTest keeps the two in step.
 */
public final class ActionsConfigDef {

  public static final String CONTROL_TOPIC = "monitor.topics.control";
  public static final String CONTROL_PARTITIONS = "monitor.topics.control_partitions";
  public static final String ATTEMPTS_TOPIC = "monitor.topics.attempts";
  public static final String DRY_RUN = "actions.dry_run";
  public static final String POLICIES = "actions.policies";
  public static final String CHECKPOINTS_PER_RUN = "actions.checkpoints_per_run";
  public static final String RESTART_RULES = "actions.restart_rules";

  /** The prefix of one policy's keys: {@code actions.policy.<name>.<key>}. */
  public static final String POLICY_PREFIX = "actions.policy.";

  /** How a policy's keys are documented: {@code actions.policy.<name>.rules}. */
  public static final String POLICY_DOC_PREFIX = "actions.policy.<name>.";

  public static final String POLICY_RULES = "rules";
  public static final String POLICY_MIN_SEVERITY = "min_severity";
  public static final String POLICY_JOBS = "jobs";
  public static final String POLICY_COMMANDS = "commands";
  public static final String POLICY_DRY_RUN = "dry_run";

  /**
   * Rules where restarting from a checkpoint is the fix: their alerts name the last good
   * checkpoint. Rules this monitor does not know are allowed (a newer monitor's, a job-level one).
   */
  public static final List<String> DEFAULT_RESTART_RULES =
      List.of(
          "nonfinite_loss",
          "loss_divergence",
          "exploding_gradient",
          "stalled_run",
          "loss_spike",
          "loss_scale_collapse",
          "job_hang",
          "rank_divergence");

  /** The fixed keys. */
  public static final ConfigDef DEF =
      new ConfigDef()
          .define(
              CONTROL_TOPIC,
              STRING,
              Topics.CONTROL,
              ConfigDefs.topicName(),
              HIGH,
              "The topic the monitor writes commands to, which trainers read.")
          .define(
              CONTROL_PARTITIONS,
              INT,
              6,
              Range.between(1, 10_000),
              LOW,
              "Partitions of the control topic when the monitor creates it.")
          .define(
              ATTEMPTS_TOPIC,
              STRING,
              "trainwatch.monitor.attempts",
              ConfigDefs.topicName(),
              LOW,
              "The monitor's own topic that re-keys run starts, faults and checkpoints by job for "
                  + "the crash-loop guard.")
          .define(
              DRY_RUN,
              BOOLEAN,
              false,
              HIGH,
              "true: every policy only logs and audits what it would do; no command is sent.")
          .define(
              POLICIES,
              LIST,
              "",
              MEDIUM,
              "The policies, by name, each configured by actions.policy.<name>.* keys. Empty: "
                  + "notify only.")
          .define(
              CHECKPOINTS_PER_RUN,
              INT,
              16,
              Range.between(1, 1024),
              LOW,
              "Most recent checkpoints the monitor remembers per run.")
          .define(
              RESTART_RULES,
              LIST,
              String.join(",", DEFAULT_RESTART_RULES),
              MEDIUM,
              "Rules where restarting from a checkpoint is the fix: their alerts name the last good "
                  + "checkpoint.");

  /** The keys of one policy, named without their {@code actions.policy.<name>.} prefix. */
  public static final ConfigDef POLICY =
      new ConfigDef()
          .define(
              POLICY_RULES,
              LIST,
              "*",
              HIGH,
              "The rules whose firing alerts this policy acts on, or * for every rule.")
          .define(
              POLICY_MIN_SEVERITY,
              STRING,
              "info",
              ValidString.in("critical", "error", "warning", "info"),
              MEDIUM,
              "The least severe alert the policy acts on.")
          .define(
              POLICY_JOBS,
              LIST,
              "*",
              MEDIUM,
              "Globs over the run's job (* and ?); * also matches runs without a job.")
          .define(
              POLICY_COMMANDS,
              LIST,
              ConfigDef.NO_DEFAULT_VALUE,
              HIGH,
              "What to ask of the run's trainer: checkpoint_now, pin_checkpoint, stop (required).")
          .define(
              POLICY_DRY_RUN,
              BOOLEAN,
              false,
              MEDIUM,
              "true: only log and audit what this policy would do.");

  private ActionsConfigDef() {}

  /**
   * {@code true} if {@code key} is one of these keys as docs/configuration.md spells it, {@code
   * false} otherwise.
   */
  public static boolean documents(String key) {
    return DEF.names().contains(key)
        || (key.startsWith(POLICY_DOC_PREFIX)
            && POLICY.names().contains(key.substring(POLICY_DOC_PREFIX.length())));
  }
}
