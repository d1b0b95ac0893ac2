package io.trainwatch.schemas;

/**
 * What the numbers fed to the network are: real-valued features, or integer ids that index a table
 * (a language model's token ids, categorical ids, class indices fed to an embedding).
 *
 * <p>Only features can be "unnormalized": an id of 50,256 is a valid GPT-2 token, not a pixel that
 * was never scaled. Absent means {@link #FEATURES}, the contract before this field.
 */
public enum InputEncoding {
  /** Real-valued inputs: pixels, measurements, embeddings (including 0..255 pixels as uint8). */
  FEATURES("features"),
  /** Integer indices into a vocabulary or embedding table: token ids, categorical ids. */
  TOKEN_IDS("token_ids");

  private final String wire;

  InputEncoding(String wire) {
    this.wire = wire;
  }

  /** The spelling used in JSON. */
  public String wire() {
    return wire;
  }

  /** Parses the JSON spelling. */
  public static InputEncoding fromWire(String s) {
    for (InputEncoding e : values()) {
      if (e.wire.equals(s)) {
        return e;
      }
    }
    throw new IllegalArgumentException("'" + s + "': not one of features, token_ids");
  }
}
