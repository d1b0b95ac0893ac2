package io.trainwatch.bridge;

/**
 * A bridge config file or environment that cannot work; the message names the key and never shows a
 * secret.
 */
public final class BridgeConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public BridgeConfigException(String message) {
    super(message);
  }

  public BridgeConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
