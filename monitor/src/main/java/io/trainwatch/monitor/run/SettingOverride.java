package io.trainwatch.monitor.run;

/**
 * One validated per-run rule setting from {@code run_started.rules}, held compactly by rule code
 * and parameter index (see {@code RuleSpec}).
 */
public record SettingOverride(int ruleCode, int paramIndex, double value) {

  public SettingOverride {
    if (ruleCode < 0 || ruleCode > 255 || paramIndex < 0 || paramIndex > 255) {
      throw new IllegalArgumentException(
          "rule code " + ruleCode + ", param " + paramIndex + ": must fit in a byte");
    }
  }
}
