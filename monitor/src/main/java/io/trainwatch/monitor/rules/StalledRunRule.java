package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code stalled_run} (error): a run that has not ended has sent nothing for {@code stall_seconds}
 * (600) of wall-clock time. Judged by the monitor's wall-clock check, so it fires even though no
 * event arrives; the next batch resolves it ({@code resolve_after_batches} is 1), as does
 * run_ended.
 *
 * <p>A run is never judged silent for longer than the monitor instance has been watching it, so a
 * monitor restart does not make every run look stalled.
 *
 * <p>Diagnoses: {@code no_batches} (run_started but never a batch: stuck loading data or
 * initializing) and {@code stopped_reporting} (batches stopped: hung, deadlocked, or died without
 * run_ended).
 */
public final class StalledRunRule implements TimedRule {

  public static final Param STALL_SECONDS =
      Param.integer(
          "stall_seconds",
          600,
          1,
          86_400L * 7,
          "Wall-clock seconds without any event after which a run that has not ended is stalled.");

  public static final String NO_BATCHES = "no_batches";
  public static final String STOPPED_REPORTING = "stopped_reporting";

  private static final RuleSpec SPEC = RuleSpec.of(RuleId.STALLED_RUN, 1, 1, STALL_SECONDS);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(NO_BATCHES, STOPPED_REPORTING);
  }

  /** A batch arrived: whatever the clock said, the run is not stalled now. */
  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    return Optional.empty();
  }

  @Override
  public Optional<Finding> evaluateAt(
      RunState run, long nowMs, long watchingSinceMs, RuleSettings settings) {
    if (run.ended()) {
      return Optional.empty();
    }
    long silentMs = nowMs - Math.max(run.lastEventWallMs(), watchingSinceMs);
    long stallSeconds = settings.integer(STALL_SECONDS);
    if (silentMs < stallSeconds * 1000) {
      return Optional.empty();
    }
    return Optional.of(
        Finding.of(run.batches() == 0 ? NO_BATCHES : STOPPED_REPORTING, silentMs / 1000.0)
            .put("silent_seconds", silentMs / 1000)
            .put("stall_seconds", stallSeconds)
            .put("batches_seen", run.batches())
            .put("last_step", run.lastStep() < 0 ? null : run.lastStep())
            .build());
  }
}
