package io.trainwatch.schemas;

/**
 * A record could not be read as a contract value; the message says why, naming the offending field.
 */
public final class InvalidEventException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public InvalidEventException(String reason) {
    super(reason);
  }

  public InvalidEventException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
