package io.trainwatch.monitor.run;

/**
 * Where one rule's alert stands for one run (the lifecycle state, see {@code AlertLifecycle}).
 *
 * @param phase inactive, pending (condition holds, not long enough yet) or firing
 * @param hits consecutive batches the condition has held in this pending or firing period
 * @param clear consecutive clear batches while firing
 * @param sinceMs event time at which the current incident's condition first held (its {@code
 *     starts_at})
 * @param revision the revision of the last emission of this run's alert for the rule; 0 before the
 *     first
 * @param diagnosis index of the firing diagnosis in the rule's diagnosis list, or -1
 */
public record AlertTrack(
    Phase phase, int hits, int clear, long sinceMs, int revision, int diagnosis) {

  /** Lifecycle phases. */
  public enum Phase {
    INACTIVE,
    PENDING,
    FIRING
  }

  /** A rule that has never held for this run. */
  public static final AlertTrack NEW = new AlertTrack(Phase.INACTIVE, 0, 0, 0, 0, -1);

  public AlertTrack {
    if (phase == null || hits < 0 || clear < 0 || revision < 0) {
      throw new IllegalArgumentException(
          "invalid alert track: "
              + phase
              + " hits="
              + hits
              + " clear="
              + clear
              + " revision="
              + revision);
    }
  }

  /** {@code true} if the alert is firing, {@code false} otherwise. */
  public boolean firing() {
    return phase == Phase.FIRING;
  }

  /** Back to inactive, keeping the revision so the next incident continues the numbering. */
  public AlertTrack inactive() {
    return phase == Phase.INACTIVE && hits == 0 && clear == 0 && diagnosis == -1
        ? this
        : new AlertTrack(Phase.INACTIVE, 0, 0, 0, revision, -1);
  }
}
