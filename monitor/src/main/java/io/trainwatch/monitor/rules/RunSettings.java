package io.trainwatch.monitor.rules;

import java.util.EnumMap;
import java.util.Map;

/** The effective settings of every rule for one run. Immutable. */
public final class RunSettings {

  private final EnumMap<RuleId, RuleSettings> byRule;

  /**
   * @param byRule settings for every rule
   * @throws IllegalArgumentException if a rule is missing
   */
  public RunSettings(Map<RuleId, RuleSettings> byRule) {
    this.byRule = new EnumMap<>(RuleId.class);
    this.byRule.putAll(byRule);
    for (RuleId id : RuleId.values()) {
      if (!this.byRule.containsKey(id)) {
        throw new IllegalArgumentException(id + ": no settings");
      }
    }
  }

  /** Built-in defaults for every rule. */
  public static RunSettings defaults() {
    Map<RuleId, RuleSettings> m = new EnumMap<>(RuleId.class);
    for (RuleDefinition r : Rules.definitions()) {
      m.put(r.id(), r.spec().defaults());
    }
    return new RunSettings(m);
  }

  /** The settings of one rule. */
  public RuleSettings get(RuleId id) {
    return byRule.get(id);
  }

  /** These settings with one rule's replaced. */
  public RunSettings with(RuleSettings settings) {
    Map<RuleId, RuleSettings> m = new EnumMap<>(byRule);
    m.put(settings.spec().id(), settings);
    return new RunSettings(m);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RunSettings other && byRule.equals(other.byRule);
  }

  @Override
  public int hashCode() {
    return byRule.hashCode();
  }

  @Override
  public String toString() {
    return byRule.values().toString();
  }
}
