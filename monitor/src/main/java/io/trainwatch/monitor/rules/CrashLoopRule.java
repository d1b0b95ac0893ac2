package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import java.util.List;
import java.util.Optional;

/**
 * {@code crash_loop} (critical): a job restarts ({@code run_started.attempt} + 1) with the same
 * fault and no checkpoint progress for {@code attempts} attempts in a row (NVIDIA's resiliency
 * library stops restarting after 3 cycles without checkpoint progress; W&B sweeps produced "10k
 * failed" runs). Judged per job over attempts by the crash-loop guard ({@code
 * io.trainwatch.monitor.actions.CrashLoopGuard}), never on a batch: it holds its parameters, its id
 * and its hints like every rule. When the next attempt starts, it fires and, with {@code stop},
 * that attempt's runs are told to stop.
 *
 * <p>Diagnosis: {@code same_fault_no_progress}.
 */
public final class CrashLoopRule implements Rule {

  public static final Param ATTEMPTS =
      Param.integer(
          "attempts",
          3,
          2,
          1_000,
          "Attempts in a row that failed with the same fault and no checkpoint progress before the"
              + " next one is a crash loop.");

  public static final Param STOP =
      Param.flag(
          "stop",
          true,
          "Also send stop to the runs of the attempt that starts the loop (subject to"
              + " actions.dry_run); false: alert only.");

  public static final String SAME_FAULT_NO_PROGRESS = "same_fault_no_progress";

  private static final RuleSpec SPEC = RuleSpec.of(RuleId.CRASH_LOOP, 1, 1, ATTEMPTS, STOP);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(SAME_FAULT_NO_PROGRESS);
  }

  /** Judged over a job's attempts, never on one run's batch. */
  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    return false;
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    return Optional.empty();
  }
}
