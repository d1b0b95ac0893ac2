package io.trainwatch.bridge;

/**
 * A failure that stops the bridge: it cannot keep its delivery guarantees (the ledger or DLQ cannot
 * be written).
 */
public final class BridgeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public BridgeException(String message) {
    super(message);
  }

  public BridgeException(String message, Throwable cause) {
    super(message, cause);
  }
}
