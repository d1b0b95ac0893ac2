package io.trainwatch.monitor.rules;

import java.util.Locale;

/**
 * One setting of a rule: its key (the last part of {@code rules.<rule_id>.<key>}), type, default,
 * allowed range and documentation.
 *
 * <p>Every value is held as a {@code double} (booleans as 0/1, integers exactly), which keeps
 * per-run overrides compact in the binary state.
 */
public record Param(
    String key, Type type, double defaultValue, double min, double max, String doc) {

  /** How a value is written and checked. */
  public enum Type {
    BOOLEAN,
    INTEGER,
    NUMBER
  }

  public Param {
    if (key == null || !key.matches("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*")) {
      throw new IllegalArgumentException(
          "key=" + key + ": must be dot-separated [a-z][a-z0-9_]* words");
    }
    if (type == null || doc == null || doc.isBlank()) {
      throw new IllegalArgumentException(key + ": type and doc are required");
    }
    if (!(min <= defaultValue && defaultValue <= max)) {
      throw new IllegalArgumentException(
          key + "=" + defaultValue + ": default outside [" + min + ", " + max + "]");
    }
  }

  /** A true/false setting. */
  public static Param flag(String key, boolean defaultValue, String doc) {
    return new Param(key, Type.BOOLEAN, defaultValue ? 1 : 0, 0, 1, doc);
  }

  /** A whole-number setting in [min, max]. */
  public static Param integer(String key, long defaultValue, long min, long max, String doc) {
    return new Param(key, Type.INTEGER, defaultValue, min, max, doc);
  }

  /** A finite real setting in [min, max]. */
  public static Param number(String key, double defaultValue, double min, double max, String doc) {
    return new Param(key, Type.NUMBER, defaultValue, min, max, doc);
  }

  /**
   * This parameter with another default (e.g. {@code for_batches} is 1 for non-finite values, 3
   * elsewhere).
   */
  public Param withDefault(double newDefault) {
    return new Param(key, type, newDefault, min, max, doc);
  }

  /**
   * Reads a raw value: a string from a properties file, or a number, boolean or string from JSON.
   *
   * @throws IllegalArgumentException naming the problem only ({@code "must be >= 1"}); the caller
   *     names the key
   */
  public double parse(Object raw) {
    if (raw == null) {
      throw new IllegalArgumentException("must not be empty");
    }
    double v;
    switch (type) {
      case BOOLEAN:
        if (raw instanceof Boolean b) {
          return b ? 1 : 0;
        }
        String s = raw.toString().trim();
        if (s.equals("true")) {
          return 1;
        }
        if (s.equals("false")) {
          return 0;
        }
        throw new IllegalArgumentException("must be true or false");
      case INTEGER:
        v = number(raw, "must be an integer");
        if (v != Math.rint(v) || Math.abs(v) > (1L << 53)) {
          throw new IllegalArgumentException("must be an integer");
        }
        break;
      default:
        v = number(raw, "must be a number");
        break;
    }
    if (v < min) {
      throw new IllegalArgumentException("must be >= " + format(min));
    }
    if (v > max) {
      throw new IllegalArgumentException("must be <= " + format(max));
    }
    return v;
  }

  /** The value as it would be written in a configuration file (and in docs/configuration.md). */
  public String format(double value) {
    switch (type) {
      case BOOLEAN:
        return value != 0 ? "true" : "false";
      case INTEGER:
        return Long.toString((long) value);
      default:
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
          return Long.toString((long) value);
        }
        if (Math.abs(value) >= 1e-4 && Math.abs(value) < 1e15) {
          return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        }
        return Double.toString(value).replace(".0E", "E").toLowerCase(Locale.ROOT);
    }
  }

  private static double number(Object raw, String problem) {
    if (raw instanceof Number n) {
      double v = n.doubleValue();
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(problem);
      }
      return v;
    }
    if (raw instanceof Boolean) {
      throw new IllegalArgumentException(problem);
    }
    String s = raw.toString().trim();
    try {
      double v = Double.parseDouble(s);
      // Double.parseDouble accepts "NaN", "Infinity" and hex/suffix forms ("1d"); a config value
      // should not.
      if (!Double.isFinite(v) || !s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
        throw new IllegalArgumentException(problem);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(problem);
    }
  }
}
