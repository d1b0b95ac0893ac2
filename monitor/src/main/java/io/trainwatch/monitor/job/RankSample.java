package io.trainwatch.monitor.job;

/**
 * What one rank reported for one step, as far as job-level rules need it. Absent values are NaN.
 *
 * @param work the rank's own work before gradient synchronization: {@code compute_ms + data_ms}
 *     where published (synchronous training equalizes {@code step_ms}, so it cannot name a rank)
 * @param computeMs forward and backward time before synchronization, or NaN
 * @param dataMs time waiting for the batch, or NaN
 * @param stepMs the whole step's wall time, or NaN
 * @param loss the rank's loss (NaN and infinities are data here)
 * @param gradNorm the rank's gradient norm, or NaN when not published
 * @param gradPublished {@code true} if the rank published a gradient norm, {@code false} otherwise
 */
public record RankSample(
    long step,
    long tsMs,
    float work,
    float computeMs,
    float dataMs,
    float stepMs,
    float loss,
    float gradNorm,
    boolean gradPublished) {

  /** The sample of a batch's fields; {@code null} durations are left out. */
  public static RankSample of(
      long step,
      long tsMs,
      Double stepMs,
      Double dataMs,
      Double computeMs,
      double loss,
      Double gradNorm) {
    float work;
    if (computeMs == null && dataMs == null) {
      work = Float.NaN;
    } else {
      work = (float) ((computeMs == null ? 0 : computeMs) + (dataMs == null ? 0 : dataMs));
    }
    return new RankSample(
        step,
        tsMs,
        work,
        computeMs == null ? Float.NaN : computeMs.floatValue(),
        dataMs == null ? Float.NaN : dataMs.floatValue(),
        stepMs == null ? Float.NaN : stepMs.floatValue(),
        (float) loss,
        gradNorm == null ? Float.NaN : gradNorm.floatValue(),
        gradNorm != null);
  }
}
