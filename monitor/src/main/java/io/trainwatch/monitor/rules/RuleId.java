package io.trainwatch.monitor.rules;

import io.trainwatch.schemas.Severity;
import java.util.Optional;

/**
 * The stable identity of every rule: its id (used in alert ids, configuration keys and docs), its
 * severity, and a small numeric code used by the binary per-run state format.
 *
 * <p>Codes are part of the persisted state format: never reuse or renumber one. The declaration
 * order is the evaluation order, so rules that inhibit others come first.
 */
public enum RuleId {
  NONFINITE_LOSS("nonfinite_loss", Severity.CRITICAL, 1),
  NEGATIVE_LOSS("negative_loss", Severity.CRITICAL, 2),
  UNNORMALIZED_INPUT("unnormalized_input", Severity.WARNING, 3),
  LOSS_AT_INIT("loss_at_init", Severity.WARNING, 4),
  LOSS_DIVERGENCE("loss_divergence", Severity.ERROR, 5),
  LOSS_PLATEAU("loss_plateau", Severity.WARNING, 6),
  EXPLODING_GRADIENT("exploding_gradient", Severity.ERROR, 7),
  VANISHING_GRADIENT("vanishing_gradient", Severity.WARNING, 8),
  OUTPUT_COLLAPSE("output_collapse", Severity.ERROR, 9),
  STALLED_RUN("stalled_run", Severity.ERROR, 10),
  LOSS_SPIKE("loss_spike", Severity.WARNING, 11),
  LOSS_SCALE_COLLAPSE("loss_scale_collapse", Severity.ERROR, 12),
  // Judged over a job's attempts by the crash-loop guard, never on a batch.
  CRASH_LOOP("crash_loop", Severity.CRITICAL, 30),
  // Job-level rules: judged over the ranks of a job, not one run (see Rules#fleet()).
  STRAGGLER_RANK("straggler_rank", Severity.WARNING, 20),
  RANK_DIVERGENCE("rank_divergence", Severity.ERROR, 21),
  JOB_HANG("job_hang", Severity.CRITICAL, 22),
  // Fleet-level: judged over the faults of every job on a host.
  SUSPECT_NODE("suspect_node", Severity.ERROR, 24);

  /** One more than the largest code: sizes arrays indexed by code. */
  public static final int CODE_LIMIT = 32;

  private final String id;
  private final Severity severity;
  private final int code;

  RuleId(String id, Severity severity, int code) {
    this.id = id;
    this.severity = severity;
    this.code = code;
  }

  /** The stable id, e.g. {@code negative_loss}. */
  public String id() {
    return id;
  }

  public Severity severity() {
    return severity;
  }

  /** The persisted code, in [1, {@link #CODE_LIMIT}). */
  public int code() {
    return code;
  }

  /** The rule with this id, if any. */
  public static Optional<RuleId> fromId(String id) {
    for (RuleId r : values()) {
      if (r.id.equals(id)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** The rule with this persisted code, if any. */
  public static Optional<RuleId> fromCode(int code) {
    for (RuleId r : values()) {
      if (r.code == code) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return id;
  }
}
