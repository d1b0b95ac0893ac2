package io.trainwatch.schemas;

/** Topic names of the contract: the one place they are spelled. */
public final class Topics {

  /** Trainer events; key = run_id, value = {@link TrainingEvent} JSON. */
  public static final String EVENTS = "trainwatch.events";

  /** Alerts; key = alert_id, value = {@link Alert} JSON. */
  public static final String ALERTS = "trainwatch.alerts";

  /** Events that could not be read, unchanged, with the reason in headers. */
  public static final String EVENTS_DLQ = "trainwatch.events.dlq";

  /**
   * Commands from the monitor to trainers; key = run_id, value = {@link ControlCommand} JSON. Only
   * the monitor writes it; trainers read it with {@code isolation.level=read_committed}.
   */
  public static final String CONTROL = "trainwatch.control";

  private Topics() {}
}
