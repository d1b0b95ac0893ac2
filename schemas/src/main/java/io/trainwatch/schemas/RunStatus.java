package io.trainwatch.schemas;

import java.util.Locale;

/** How a run ended. */
public enum RunStatus {
  COMPLETED,
  FAILED,
  KILLED;

  /** The spelling used in JSON. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the JSON spelling. */
  public static RunStatus fromWire(String s) {
    for (RunStatus v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new IllegalArgumentException("'" + s + "': not one of completed, failed, killed");
  }
}
