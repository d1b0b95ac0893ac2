package io.trainwatch.schemas;

import java.util.Locale;

/** Whether an alert emission opens or closes an incident. */
public enum AlertStatus {
  FIRING,
  RESOLVED;

  /** The spelling used in JSON. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the JSON spelling. */
  public static AlertStatus fromWire(String s) {
    for (AlertStatus v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new IllegalArgumentException("'" + s + "': not one of firing, resolved");
  }
}
