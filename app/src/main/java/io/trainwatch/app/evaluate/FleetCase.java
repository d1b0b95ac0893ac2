package io.trainwatch.app.evaluate;

/**
 * One labeled job (or host) of a fleet scenario: what is wrong with it and what the monitor must
 * say.
 *
 * @param scenario the fleet scenario it belongs to
 * @param subject the job's name, or for a host case the host
 * @param description what happens, for the report
 * @param expectedRule the rule that detects it, or {@code null} for a healthy job (no alert at all)
 * @param expectedDiagnosis the diagnosis it must carry, or {@code null} for any
 * @param rank the culprit rank the alert must name ({@code rank} in its evidence), or {@code null}
 * @param host the host the alert must name, or {@code null}
 * @param onsetStep the step the fault begins at (delays in steps count from it), or -1
 * @param maxDelaySteps the bar in steps after the onset, or -1 when the delay is in seconds
 */
public record FleetCase(
    String scenario,
    String subject,
    String description,
    String expectedRule,
    String expectedDiagnosis,
    Integer rank,
    String host,
    long onsetStep,
    int maxDelaySteps) {

  /** A job on which nothing may fire. */
  public static FleetCase healthy(String scenario, String job, String description) {
    return new FleetCase(scenario, job, description, null, null, null, null, -1, -1);
  }

  /** {@code true} if nothing may fire for this subject, {@code false} otherwise. */
  public boolean healthy() {
    return expectedRule == null;
  }

  /** {@code true} if the subject is a host (suspect_node), {@code false} if a job. */
  public boolean hostCase() {
    return "suspect_node".equals(expectedRule);
  }
}
