package io.trainwatch.monitor.job;

/**
 * A rank's own earlier level, as the {@code straggler_rank} rule remembers it: the count and sum of
 * its judged steps' log ratios (work, and compute where published) after they left the rank's
 * window of recent steps, each winsorized at the time. The count stops at {@link #MEMORY}: older
 * steps then weigh less and less (exponential forgetting), so a slow drift over hours is followed
 * while a change over a few dozen steps stands out. Eight numbers whatever the job's size.
 *
 * @param workCount steps summed for work (at most {@link #MEMORY})
 * @param workSum their sum of winsorized ln(work / peers' median work)
 * @param computeCount steps summed for compute
 * @param computeSum their sum of winsorized ln(compute / peers' median compute)
 */
public record StragglerBaseline(
    float workCount, float workSum, float computeCount, float computeSum) {

  /** Most steps a baseline weighs; older ones fade out. */
  public static final int MEMORY = 256;

  public static final StragglerBaseline EMPTY = new StragglerBaseline(0, 0, 0, 0);

  /** This baseline with one more work step (and compute step, when finite) folded in. */
  public StragglerBaseline plus(double work, double compute) {
    float wc = workCount;
    float ws = workSum;
    if (Double.isFinite(work)) {
      if (wc >= MEMORY) {
        ws *= (MEMORY - 1f) / MEMORY;
        wc = MEMORY - 1;
      }
      ws += (float) work;
      wc += 1;
    }
    float cc = computeCount;
    float cs = computeSum;
    if (Double.isFinite(compute)) {
      if (cc >= MEMORY) {
        cs *= (MEMORY - 1f) / MEMORY;
        cc = MEMORY - 1;
      }
      cs += (float) compute;
      cc += 1;
    }
    return new StragglerBaseline(wc, ws, cc, cs);
  }

  /** The count of one channel (0 work, 1 compute). */
  public double count(int channel) {
    return channel == 0 ? workCount : computeCount;
  }

  /** The sum of one channel (0 work, 1 compute). */
  public double sum(int channel) {
    return channel == 0 ? workSum : computeSum;
  }
}
