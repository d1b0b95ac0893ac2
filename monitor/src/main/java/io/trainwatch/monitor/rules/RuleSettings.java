package io.trainwatch.monitor.rules;

import java.util.Arrays;

/**
 * The effective settings of one rule for one run: built-in defaults, overridden by the
 * configuration file, then by the run's job, then by the run itself. Immutable.
 */
public final class RuleSettings {

  private final RuleSpec spec;
  private final double[] values;

  RuleSettings(RuleSpec spec, double[] values) {
    this.spec = spec;
    this.values = values;
  }

  public RuleSpec spec() {
    return spec;
  }

  /** {@code true} if the rule runs, {@code false} otherwise. */
  public boolean enabled() {
    return values[0] != 0;
  }

  /** Consecutive batches before firing. */
  public int forBatches() {
    return (int) values[1];
  }

  /** Seconds of event time before firing, 0 when only batches count. */
  public long forSeconds() {
    return (long) values[2];
  }

  /** Consecutive clear batches before a firing alert is resolved. */
  public int resolveAfterBatches() {
    return (int) values[3];
  }

  /** The value of a real-valued parameter of this rule. */
  public double number(Param p) {
    return values[index(p)];
  }

  /** The value of a whole-number parameter of this rule. */
  public long integer(Param p) {
    return (long) values[index(p)];
  }

  /** The value of a true/false parameter of this rule. */
  public boolean flag(Param p) {
    return values[index(p)] != 0;
  }

  /** The value at a parameter index (see {@link RuleSpec#params()}). */
  public double valueAt(int index) {
    return values[index];
  }

  /** These settings with one value replaced; the value must already be valid for the parameter. */
  public RuleSettings with(int index, double value) {
    if (values[index] == value) {
      return this;
    }
    double[] copy = values.clone();
    copy[index] = value;
    return new RuleSettings(spec, copy);
  }

  /** These settings with one value replaced, by key. */
  public RuleSettings with(String key, double value) {
    int i = spec.indexOf(key);
    if (i < 0) {
      throw new IllegalArgumentException(spec.id() + "." + key + ": unknown key");
    }
    return with(i, value);
  }

  private int index(Param p) {
    int i = spec.indexOf(p);
    if (i < 0) {
      throw new IllegalArgumentException(
          spec.id() + "." + p.key() + ": not a parameter of this rule");
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RuleSettings other
        && spec.equals(other.spec)
        && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return spec.id().hashCode() * 31 + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(spec.id().id()).append('{');
    for (int i = 0; i < values.length; i++) {
      Param p = spec.params().get(i);
      sb.append(i == 0 ? "" : ", ").append(p.key()).append('=').append(p.format(values[i]));
    }
    return sb.append('}').toString();
  }
}
