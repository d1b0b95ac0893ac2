package io.trainwatch.bridge;

import java.util.Locale;

/** Where a bridge delivers alerts. */
public enum Destination {
  SLACK,
  PAGERDUTY,
  ALERTMANAGER,
  WEBHOOK;

  /** The spelling used in config files and on the command line. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the config/command-line spelling. */
  public static Destination fromWire(String s) {
    for (Destination d : values()) {
      if (d.wire().equals(s)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "'" + s + "': not one of slack, pagerduty, alertmanager, webhook");
  }
}
