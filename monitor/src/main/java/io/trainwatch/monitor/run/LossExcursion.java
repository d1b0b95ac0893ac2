package io.trainwatch.monitor.run;

/**
 * The loss's band and its excursions above it: the band the next batch is judged against (the best
 * smoothed loss and how far above it counts as out of line, computed with {@code loss_divergence}'s
 * settings), and, while the loss is out of line, where the excursion began, where it peaked and the
 * last step before it that was in line. Shared by {@code loss_spike} (an excursion is a spike) and
 * {@code loss_divergence} (an excursion that has not recovered).
 *
 * <p>The band is recomputed after every batch, as it was before excursions were tracked: its noise
 * estimate is a median, which a few outliers barely move. An excursion ends once {@link
 * #RECOVERED_BATCHES} consecutive batches are back in the band.
 *
 * <p>During an excursion the band widens only while the loss's smoothed level stays within one
 * noise unit of its best: a loss that is merely noisier than its noise estimate said (a healthy
 * run's batches scattering around the same level) may take that noise in; a loss whose level moved
 * up must come back to where it was before the excursion, judged with the noise it had then. After
 * a destructive update the loss is often both higher and far noisier (a real 4-rank PyTorch job
 * whose weights one bad step threw off: best 0.09, then losses of 0.1 to 5 for 100 steps and more);
 * a band that took in that noise (six times a noise of 0.8) held all of it, and the spike
 * "recovered" two steps after it began. It may narrow (the best level can still fall), and it
 * follows the history again once the excursion ended.
 */
public final class LossExcursion {

  /** Consecutive batches back in the band that end an excursion: the loss has recovered. */
  public static final int RECOVERED_BATCHES = 5;

  /**
   * How far above its best level the loss may be before it is out of line.
   *
   * @param best the lowest smoothed loss reached
   * @param threshold how far above {@code best} a loss is out of line
   * @param smoothed the smoothed loss when the band was computed
   * @param noise the batch-to-batch noise behind the threshold
   */
  public record Band(double best, double threshold, double smoothed, double noise) {

    /** {@code true} if {@code loss} is out of line, {@code false} otherwise. */
    public boolean above(double loss) {
      return loss - best > threshold;
    }

    /**
     * {@code true} if {@code loss} leaving the band is a sudden jump: it lands more than twice the
     * band above the best level while the smoothed loss was still in the lower half of the band;
     * {@code false} for a loss that crept up to the band's edge (a gradual rise).
     */
    public boolean suddenJump(double loss) {
      return smoothed - best <= threshold / 2 && loss - best > 2 * threshold;
    }
  }

  Band band;
  boolean active;
  long onsetStep = -1;
  long lastGoodStep = -1;
  double onsetLoss = Double.NaN;
  double peakLoss = Double.NaN;
  long peakStep = -1;
  int inBand;
  boolean risingAtOnset;

  /** The band the next batch is judged against, or {@code null} while it is unknown (warm-up). */
  public Band band() {
    return band;
  }

  /** {@code true} while the loss is in an excursion, {@code false} otherwise. */
  public boolean active() {
    return active;
  }

  /** Step of the first batch out of line in the current excursion, -1 without one. */
  public long onsetStep() {
    return onsetStep;
  }

  /** The last step in line before the current excursion (or the last one at all), -1 if none. */
  public long lastGoodStep() {
    return lastGoodStep;
  }

  /** The loss at the excursion's onset, NaN without one. */
  public double onsetLoss() {
    return onsetLoss;
  }

  /** The highest loss of the current excursion, NaN without one. */
  public double peakLoss() {
    return peakLoss;
  }

  /** Step of {@link #peakLoss()}, -1 without one. */
  public long peakStep() {
    return peakStep;
  }

  /**
   * {@code true} if the current excursion began with the smoothed loss already climbing, {@code
   * false} if it began with a jump.
   */
  public boolean risingAtOnset() {
    return risingAtOnset;
  }

  /**
   * Judges one batch against {@link #band()} and advances the excursion (after the rules have seen
   * the batch). Does nothing while the band is unknown.
   */
  public void observe(long step, double loss) {
    if (band == null || !Double.isFinite(loss)) {
      return;
    }
    if (band.above(loss)) {
      if (!active) {
        active = true;
        onsetStep = step;
        onsetLoss = loss;
        peakLoss = loss;
        peakStep = step;
        risingAtOnset = !band.suddenJump(loss);
      } else if (loss > peakLoss) {
        peakLoss = loss;
        peakStep = step;
      }
      inBand = 0;
      return;
    }
    if (!active) {
      lastGoodStep = step;
      return;
    }
    if (++inBand >= RECOVERED_BATCHES) {
      end();
      lastGoodStep = step;
    }
  }

  /**
   * Sets the band for the next batch ({@code null} while the loss history is too short to judge).
   */
  public void rebase(Band next) {
    if (active
        && band != null
        && next != null
        && next.threshold() > band.threshold()
        && next.smoothed() - next.best() > next.noise()) {
      next = new Band(next.best(), band.threshold(), next.smoothed(), band.noise());
    }
    band = next;
  }

  /**
   * Forgets the current excursion and the band (the loss was not a training curve for a while: what
   * it was before means nothing now).
   */
  public void reset() {
    end();
    band = null;
  }

  private void end() {
    active = false;
    onsetStep = -1;
    onsetLoss = Double.NaN;
    peakLoss = Double.NaN;
    peakStep = -1;
    inBand = 0;
    risingAtOnset = false;
  }
}
