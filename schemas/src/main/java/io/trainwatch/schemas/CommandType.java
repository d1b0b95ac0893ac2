package io.trainwatch.schemas;

import java.util.Locale;

/** What a {@link ControlCommand} asks a trainer to do. */
public enum CommandType {
  /** Save a checkpoint at the next step boundary. */
  CHECKPOINT_NOW,
  /** Keep the named checkpoint through rotation. */
  PIN_CHECKPOINT,
  /** Save a checkpoint, then end training cleanly at the next step boundary. */
  STOP;

  /** The spelling used in JSON. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the JSON spelling. */
  public static CommandType fromWire(String s) {
    for (CommandType v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new IllegalArgumentException(
        "'" + s + "': not one of checkpoint_now, pin_checkpoint, stop");
  }
}
