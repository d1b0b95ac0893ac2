package io.trainwatch.schemas;

/** What a loss function expects to receive from the network's output layer. */
public enum InputKind {
  LOG_PROBABILITIES("log_probabilities"),
  PROBABILITIES("probabilities"),
  LOGITS("logits"),
  VALUES("values");

  private final String wire;

  InputKind(String wire) {
    this.wire = wire;
  }

  /** The spelling used in JSON. */
  public String wire() {
    return wire;
  }

  /** Parses the JSON spelling. */
  public static InputKind fromWire(String s) {
    for (InputKind k : values()) {
      if (k.wire.equals(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "'" + s + "': not one of log_probabilities, probabilities, logits, values");
  }
}
