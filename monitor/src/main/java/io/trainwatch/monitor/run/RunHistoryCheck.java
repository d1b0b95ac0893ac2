package io.trainwatch.monitor.run;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.TrainingEvent;

/**
 * Events that are valid on their own but not in their run's history, and why: the contract says
 * steps increase within a run and nothing follows {@code run_ended} but a new {@code run_started}.
 * Such an event is not evaluated (a repeated bad batch must not count twice towards an alert; a NaN
 * after the end must not bring the run back) but dead-lettered with this reason, so that nothing is
 * dropped in silence.
 */
public final class RunHistoryCheck {

  private RunHistoryCheck() {}

  /**
   * Why {@code event} does not fit the run's history, or {@code null} if it does.
   *
   * @param state the run's state, or {@code null} if this monitor does not know the run
   */
  public static String rejection(RunState state, TrainingEvent event) {
    if (event instanceof RunEnded) {
      if (state == null) {
        return "run_ended: no such run here (never started, or forgotten after "
            + "monitor.runs.ended_retention_seconds or monitor.runs.idle_retention_seconds)";
      }
      return state.ended() ? "run_ended: the run had already ended" : null;
    }
    if (event instanceof BatchEvent batch && state != null) {
      if (state.ended()) {
        return "step "
            + batch.step()
            + ": the run had ended (run_ended received); a resumed run sends run_started "
            + "first";
      }
      if (state.batches() > 0 && batch.step() <= state.lastStep()) {
        return "step "
            + batch.step()
            + ": "
            + (batch.step() == state.lastStep() ? "repeats" : "goes back from")
            + " the run's last step "
            + state.lastStep()
            + " (steps increase within a run)";
      }
    }
    return null;
  }
}
