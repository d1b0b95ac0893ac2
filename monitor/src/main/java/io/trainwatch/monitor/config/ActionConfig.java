package io.trainwatch.monitor.config;

import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.schemas.CommandType;
import io.trainwatch.schemas.Severity;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the monitor may do about alerts, beyond publishing them: the control topic, the policies
 * that turn firing alerts into commands, and how checkpoints are remembered. The default is notify
 * only (no policy).
 *
 * @param controlTopic where commands go ({@code trainwatch.control})
 * @param controlPartitions partitions of the control topic when the monitor creates it
 * @param attemptsTopic the monitor's own topic re-keying attempts by job (crash-loop guard)
 * @param dryRun every policy only logs and audits
 * @param checkpointsPerRun most recent checkpoints remembered per run
 * @param restartRules rules whose alerts name the last good checkpoint
 * @param policies in configuration order
 */
public record ActionConfig(
    String controlTopic,
    int controlPartitions,
    String attemptsTopic,
    boolean dryRun,
    int checkpointsPerRun,
    Set<String> restartRules,
    List<ActionPolicy> policies) {

  public ActionConfig {
    restartRules = Set.copyOf(restartRules);
    policies = List.copyOf(policies);
  }

  /** Everything at its default: notify only. */
  public static ActionConfig defaults() {
    return parse(Map.of());
  }

  /**
   * Reads the {@code actions.*} and {@code monitor.topics.control*} keys of {@code entries}; other
   * keys are ignored.
   *
   * @throws IllegalArgumentException naming the first unknown key or invalid value
   */
  public static ActionConfig parse(Map<String, String> entries) {
    Map<String, String> fixed = new TreeMap<>();
    Map<String, Map<String, String>> byPolicy = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(entries).entrySet()) {
      String key = e.getKey();
      if (key.startsWith(ActionsConfigDef.POLICY_PREFIX)) {
        String rest = key.substring(ActionsConfigDef.POLICY_PREFIX.length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0) {
          throw new IllegalArgumentException(key + ": expected actions.policy.<name>.<key>");
        }
        String sub = rest.substring(dot + 1);
        if (!ActionsConfigDef.POLICY.names().contains(sub)) {
          throw new IllegalArgumentException(
              key
                  + ": unknown key (a policy has "
                  + String.join(", ", ActionsConfigDef.POLICY.names())
                  + ")");
        }
        byPolicy
            .computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>())
            .put(sub, e.getValue());
      } else if (key.startsWith("actions.")
          || key.startsWith("monitor.topics.control")
          || key.equals(ActionsConfigDef.ATTEMPTS_TOPIC)) {
        if (!ActionsConfigDef.DEF.names().contains(key)) {
          throw new IllegalArgumentException(
              key
                  + ": unknown key (action keys: "
                  + String.join(", ", ActionsConfigDef.DEF.names())
                  + ", actions.policy.<name>.<key>)");
        }
        fixed.put(key, e.getValue());
      }
    }
    Map<String, Object> app = ConfigDefs.parse(ActionsConfigDef.DEF, fixed);
    @SuppressWarnings("unchecked")
    List<String> names = (List<String>) app.get(ActionsConfigDef.POLICIES);
    Set<String> declared = new LinkedHashSet<>(names);
    for (String configured : byPolicy.keySet()) {
      if (!declared.contains(configured)) {
        throw new IllegalArgumentException(
            ActionsConfigDef.POLICY_PREFIX
                + configured
                + ".*: policy "
                + configured
                + " is not listed in "
                + ActionsConfigDef.POLICIES
                + " ("
                + String.join(", ", names)
                + ")");
      }
    }
    List<ActionPolicy> policies = new ArrayList<>();
    for (String name : declared) {
      policies.add(policy(name, byPolicy.getOrDefault(name, Map.of())));
    }
    @SuppressWarnings("unchecked")
    List<String> restart = (List<String>) app.get(ActionsConfigDef.RESTART_RULES);
    return new ActionConfig(
        (String) app.get(ActionsConfigDef.CONTROL_TOPIC),
        (int) app.get(ActionsConfigDef.CONTROL_PARTITIONS),
        (String) app.get(ActionsConfigDef.ATTEMPTS_TOPIC),
        (boolean) app.get(ActionsConfigDef.DRY_RUN),
        (int) app.get(ActionsConfigDef.CHECKPOINTS_PER_RUN),
        new LinkedHashSet<>(restart),
        policies);
  }

  @SuppressWarnings("unchecked")
  private static ActionPolicy policy(String name, Map<String, String> keys) {
    String prefix = ActionsConfigDef.POLICY_PREFIX + name + ".";
    if (!keys.containsKey(ActionsConfigDef.POLICY_COMMANDS)) {
      throw new IllegalArgumentException(
          prefix
              + ActionsConfigDef.POLICY_COMMANDS
              + ": required (checkpoint_now, pin_checkpoint, stop)");
    }
    Map<String, Object> v;
    try {
      v = ConfigDefs.parse(ActionsConfigDef.POLICY, keys);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(prefix + e.getMessage(), e);
    }
    List<String> rules = (List<String>) v.get(ActionsConfigDef.POLICY_RULES);
    List<CommandType> commands = new ArrayList<>();
    for (String c : (List<String>) v.get(ActionsConfigDef.POLICY_COMMANDS)) {
      try {
        CommandType type = CommandType.fromWire(c.toLowerCase(Locale.ROOT));
        if (!commands.contains(type)) {
          commands.add(type);
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            prefix + ActionsConfigDef.POLICY_COMMANDS + "=" + c + ": " + e.getMessage(), e);
      }
    }
    return new ActionPolicy(
        name,
        rules.contains("*") ? Set.of() : new LinkedHashSet<>(rules),
        Severity.fromWire((String) v.get(ActionsConfigDef.POLICY_MIN_SEVERITY)),
        (List<String>) v.get(ActionsConfigDef.POLICY_JOBS),
        commands,
        (boolean) v.get(ActionsConfigDef.POLICY_DRY_RUN));
  }

  /** This configuration with {@code prefix} in front of its topic names. */
  public ActionConfig withTopicPrefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return this;
    }
    return new ActionConfig(
        prefix + controlTopic,
        controlPartitions,
        prefix + attemptsTopic,
        dryRun,
        checkpointsPerRun,
        restartRules,
        policies);
  }

  /** This configuration with these policies (tests and embedding). */
  public ActionConfig withPolicies(boolean newDryRun, List<ActionPolicy> newPolicies) {
    return new ActionConfig(
        controlTopic,
        controlPartitions,
        attemptsTopic,
        newDryRun,
        checkpointsPerRun,
        restartRules,
        newPolicies);
  }

  /** The policies acting on a firing alert, in configuration order. */
  public List<ActionPolicy> matching(String rule, Severity severity, String job) {
    List<ActionPolicy> out = new ArrayList<>(0);
    for (ActionPolicy p : policies) {
      if (p.matches(rule, severity, job)) {
        out.add(p);
      }
    }
    return out;
  }
}
