package io.trainwatch.monitor.job;

/**
 * The long-run noise of a job's ranks, as the {@code straggler_rank} rule measures it: the variance
 * of the mean of {@link #BLOCK} consecutive judged steps of one rank (its ln ratio to the peers'
 * median, work and compute), scaled by {@link #BLOCK} so that it is the variance of one step when
 * steps are independent, and larger when a rank's steps are slow or fast in bursts (another process
 * taking the host's cores for a while, a throttled device). Pooled over every rank of the job, so a
 * rank's first burst is judged against the bursts its peers already had. An exponentially weighted
 * mean over the last {@link #MEMORY} blocks: four numbers whatever the job's size.
 *
 * @param workVariance BLOCK x the mean squared deviation of a block's mean of ln(work ratio)
 * @param workBlocks blocks averaged (at most {@link #MEMORY})
 * @param computeVariance the same for ln(compute ratio)
 * @param computeBlocks blocks averaged
 */
public record JobNoise(
    float workVariance, float workBlocks, float computeVariance, float computeBlocks) {

  /** Consecutive judged steps per block. */
  public static final int BLOCK = 8;

  /** Most blocks a mean weighs; older ones fade out. */
  public static final int MEMORY = 64;

  /** Fewest blocks before the job's noise is used. */
  public static final int MIN_BLOCKS = 4;

  public static final JobNoise EMPTY = new JobNoise(0, 0, 0, 0);

  /**
   * This noise with one more block of each channel folded in (NaN: that channel had none).
   *
   * @param work one block's estimate of the work channel's long-run variance
   * @param compute the same for compute
   */
  public JobNoise plus(double work, double compute) {
    float wv = workVariance;
    float wb = workBlocks;
    if (Double.isFinite(work)) {
      wb = Math.min(MEMORY, wb + 1);
      wv += (float) ((work - wv) / wb);
    }
    float cv = computeVariance;
    float cb = computeBlocks;
    if (Double.isFinite(compute)) {
      cb = Math.min(MEMORY, cb + 1);
      cv += (float) ((compute - cv) / cb);
    }
    return new JobNoise(wv, wb, cv, cb);
  }

  /**
   * The long-run standard deviation of one channel (0 work, 1 compute), or NaN before {@link
   * #MIN_BLOCKS} blocks.
   */
  public double sigma(int channel) {
    float blocks = channel == 0 ? workBlocks : computeBlocks;
    float variance = channel == 0 ? workVariance : computeVariance;
    return blocks < MIN_BLOCKS ? Double.NaN : Math.sqrt(Math.max(0, variance));
  }
}
