package io.trainwatch.schemas;

import java.util.Locale;

/** How urgent an alert is, most urgent first (the order is used for "minimum severity" filters). */
public enum Severity {
  CRITICAL,
  ERROR,
  WARNING,
  INFO;

  /** The spelling used in JSON. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * {@code true} if this severity is at least as urgent as {@code other}, {@code false} otherwise.
   */
  public boolean atLeast(Severity other) {
    return ordinal() <= other.ordinal();
  }

  /** Parses the JSON spelling. */
  public static Severity fromWire(String s) {
    for (Severity v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new IllegalArgumentException("'" + s + "': not one of critical, error, warning, info");
  }
}
