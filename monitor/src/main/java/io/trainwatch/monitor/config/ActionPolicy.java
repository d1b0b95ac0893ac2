package io.trainwatch.monitor.config;

import io.trainwatch.schemas.CommandType;
import io.trainwatch.schemas.Severity;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One closed-loop policy: which firing alerts (rule, severity, job) it acts on and what it asks of
 * the run's trainer. Pure data; {@link #matches} is the whole decision.
 *
 * @param name the policy's name ({@code actions.policy.<name>.*}), shown in the alerts' audit
 * @param rules rule ids, or empty for every rule
 * @param minSeverity the least severe alert acted on
 * @param jobs globs over the run's job ({@code *}, {@code ?}); a run without a job matches only
 *     {@code *}
 * @param commands what to ask, in order
 * @param dryRun {@code true}: only log and audit
 */
public record ActionPolicy(
    String name,
    Set<String> rules,
    Severity minSeverity,
    List<String> jobs,
    List<CommandType> commands,
    boolean dryRun) {

  public ActionPolicy {
    if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException(
          "actions.policies: '" + name + "': a policy name is 1..64 of A-Z a-z 0-9 _ -");
    }
    rules = Set.copyOf(rules);
    jobs = List.copyOf(jobs);
    commands = List.copyOf(commands);
    if (commands.isEmpty()) {
      throw new IllegalArgumentException(
          ActionsConfigDef.POLICY_PREFIX + name + ".commands: at least one command is required");
    }
  }

  /**
   * {@code true} if this policy acts on a firing alert of {@code rule} at {@code severity} for a
   * run of {@code job} (may be {@code null}), {@code false} otherwise.
   */
  public boolean matches(String rule, Severity severity, String job) {
    if (!rules.isEmpty() && !rules.contains(rule)) {
      return false;
    }
    if (!severity.atLeast(minSeverity)) {
      return false;
    }
    for (String glob : jobs) {
      if (glob.equals("*")) {
        return true;
      }
      if (job != null && glob(glob).matcher(job).matches()) {
        return true;
      }
    }
    return false;
  }

  /** A glob ({@code *} any run of characters, {@code ?} one) as an anchored pattern. */
  static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      if (c == '*') {
        re.append(".*");
      } else if (c == '?') {
        re.append('.');
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
