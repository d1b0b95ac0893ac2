package io.trainwatch.schemas;

/** Topic names of the contract: the one place they are spelled. */
public final class Topics {

  /** Trainer events; key = run_id, value = {@link TrainingEvent} JSON. */
  public static final String EVENTS = "trainwatch.events";

  /** Alerts; key = alert_id, value = {@link Alert} JSON. */
  public static final String ALERTS = "trainwatch.alerts";

  /** Events that could not be read, unchanged, with the reason in headers. */
  public static final String EVENTS_DLQ = "trainwatch.events.dlq";

  private Topics() {}
}
