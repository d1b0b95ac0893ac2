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

  /** The active alerts of the default alerts topic: {@link #activeAlerts(String)}. */
  public static final String ALERTS_ACTIVE = activeAlerts(ALERTS);

  private Topics() {}

  /**
   * The compacted topic of the alerts that fire now, next to an alerts topic ({@code
   * trainwatch.alerts.active} for {@code trainwatch.alerts}): key = alert_id, value = the alert's
   * newest emission while it fires, a tombstone once it resolves. The monitor writes it in the same
   * transaction as the alerts; a bridge that starts without committed offsets reads it to page what
   * is open (Alertmanager's semantics for a new receiver).
   */
  public static String activeAlerts(String alertsTopic) {
    return alertsTopic + ".active";
  }
}
