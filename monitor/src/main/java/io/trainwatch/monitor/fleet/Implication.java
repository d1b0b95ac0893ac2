package io.trainwatch.monitor.fleet;

/**
 * One fault of a job that points at a host: a rank there diverged, straggled, went non-finite
 * alone, or held its job up in a hang.
 *
 * @param wallMs when the monitor saw it (processing time: the window is judged on the wall clock)
 * @param rule the rule that implicated the host
 */
public record Implication(
    String host,
    String device,
    String job,
    String runId,
    int rank,
    String rule,
    String diagnosis,
    long tsMs,
    long wallMs) {

  public Implication {
    if (host == null || job == null || runId == null || rule == null) {
      throw new IllegalArgumentException("host, job, run id and rule are required");
    }
  }
}
