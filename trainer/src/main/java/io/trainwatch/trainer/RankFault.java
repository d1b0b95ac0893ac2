package io.trainwatch.trainer;

import io.trainwatch.schemas.WireName;
import java.util.Locale;

/**
 * A fault of one rank of a {@link DataParallelTraining} job, from {@code onsetStep} to the end:
 * what goes wrong on one node of a fleet while its peers stay healthy. Reproduced for real on that
 * rank's replica; the monitor only sees what the rank's {@link TrainwatchListener} publishes.
 *
 * @param kind what goes wrong
 * @param rank the rank it happens on
 * @param onsetStep the first step it affects
 * @param amount for {@link Kind#SLOW_COMPUTE}, the slowdown as a fraction of the rank's own compute
 *     time of the step (0.2 = 20% slower); 0 for the others
 */
public record RankFault(Kind kind, int rank, int onsetStep, double amount) {

  /** What goes wrong on the rank. */
  public enum Kind implements WireName {
    /**
     * The rank's forward and backward pass takes {@code amount} longer (a throttled or degraded
     * accelerator): each step, once its gradient is computed, the rank waits {@code amount} x the
     * compute time measured so far before it joins the all-reduce. Its {@code compute_ms} grows,
     * its peers wait for it, and every rank's {@code step_ms} grows alike.
     */
    SLOW_COMPUTE,
    /**
     * The rank hangs in the onset step after the all-reduce (in its optimizer step, as a hung
     * device or driver would): it never reports that step, and its peers, who report it, block in
     * the next all-reduce. No rank publishes anything more, not even {@code run_ended}.
     */
    HANG,
    /**
     * The rank's batch at the onset step holds a NaN (a corrupt sample, silent data corruption):
     * its loss and gradient are NaN at that step, and the all-reduce spreads the NaN to every
     * replica from the next step on.
     */
    NAN
  }

  public RankFault {
    if (kind == null) {
      throw new IllegalArgumentException("kind: required");
    }
    if (rank < 0) {
      throw new IllegalArgumentException("rank=" + rank + ": must be >= 0");
    }
    if (onsetStep < 0) {
      throw new IllegalArgumentException("onsetStep=" + onsetStep + ": must be >= 0");
    }
    boolean slow = kind == Kind.SLOW_COMPUTE;
    if (slow && !(amount > 0 && amount <= 100)) {
      throw new IllegalArgumentException(
          kind.wire() + ": amount=" + amount + " must be in (0, 100] (0.2 = 20% slower)");
    }
    if (!slow && amount != 0) {
      throw new IllegalArgumentException(kind.wire() + ": takes no amount (got " + amount + ")");
    }
  }

  /** {@code rank} computes {@code fraction} slower from {@code onsetStep} (0.2 = 20%). */
  public static RankFault slowCompute(int rank, int onsetStep, double fraction) {
    return new RankFault(Kind.SLOW_COMPUTE, rank, onsetStep, fraction);
  }

  /** {@code rank} hangs after the all-reduce of {@code onsetStep}. */
  public static RankFault hang(int rank, int onsetStep) {
    return new RankFault(Kind.HANG, rank, onsetStep, 0);
  }

  /** {@code rank}'s batch of {@code onsetStep} holds a NaN. */
  public static RankFault nan(int rank, int onsetStep) {
    return new RankFault(Kind.NAN, rank, onsetStep, 0);
  }

  /** {@code true} if this fault affects {@code r} at {@code step}, {@code false} otherwise. */
  public boolean activeAt(int r, int step) {
    return r == rank
        && (kind == Kind.NAN || kind == Kind.HANG ? step == onsetStep : step >= onsetStep);
  }

  /** One line for people, e.g. "rank 2 computes 20% slower from step 100". */
  public String describe() {
    return switch (kind) {
      case SLOW_COMPUTE ->
          String.format(
              Locale.ROOT,
              "rank %d computes %.0f%% slower from step %d",
              rank,
              100 * amount,
              onsetStep);
      case HANG -> "rank " + rank + " hangs after the all-reduce of step " + onsetStep;
      case NAN -> "rank " + rank + "'s batch of step " + onsetStep + " holds a NaN";
    };
  }
}
