package io.trainwatch.trainer;

import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.util.Numbers;

/**
 * What a {@link TrainingRun} did.
 *
 * @param runId the run's id
 * @param fault the fault it reproduced
 * @param status how it ended ({@code completed}, or {@code failed} if training threw); {@code null}
 *     if it never ended ({@link Fault#STALL}: no {@code run_ended} was published)
 * @param failure the exception, for a failed run; {@code null} otherwise
 * @param stepsRun iterations completed
 * @param finalLoss the score after the last iteration (NaN if it diverged, or if no step ran)
 * @param faultOnsetStep the first step the fault affected, {@code null} for a healthy run:
 *     detection delay is measured from here
 * @param faultRecoveryStep the first step the fault no longer affected, {@code null} if never fixed
 * @param firstNonFiniteStep the first step whose loss was NaN or infinite, {@code null} if none
 * @param meanStepMs mean wall time per iteration, listener included
 * @param publisher the publisher's counters when the report was made (after a bounded flush)
 */
public record TrainingReport(
    String runId,
    Fault fault,
    RunStatus status,
    String failure,
    int stepsRun,
    double finalLoss,
    Integer faultOnsetStep,
    Integer faultRecoveryStep,
    Integer firstNonFiniteStep,
    double meanStepMs,
    PublisherStats publisher) {

  /** One line for people. */
  public String summary() {
    return String.format(
            java.util.Locale.ROOT,
            "run %s (%s): %s after %d steps, final loss %s, %.2f ms/step; events: %d published, %d delivered, "
                + "%d dropped, %d failed",
            runId,
            fault.wire(),
            status == null ? "stalled (no run_ended)" : status.wire(),
            stepsRun,
            Numbers.forPeople(finalLoss),
            meanStepMs,
            publisher.published(),
            publisher.delivered(),
            publisher.dropped(),
            publisher.failed())
        + (failure == null ? "" : "; failure: " + failure);
  }
}
