package io.trainwatch.monitor.run;

/**
 * A bounded summary of a run's gradient norms, in log space (norms span many orders of magnitude):
 * the early level and a smoothed baseline that spikes do not drag along.
 */
public final class GradientHistory {

  /** Smoothing factor of the baseline. */
  public static final double EMA_ALPHA = 0.1;

  /** How many of the first norms define the early level. */
  public static final int INITIAL = 10;

  /** A norm this many times above the baseline is a spike and does not move the baseline. */
  public static final double SPIKE_FACTOR = 10;

  private static final double LOG_SPIKE = Math.log(SPIKE_FACTOR);

  long count;
  double initialLogSum;
  double logBaseline;

  /** Adds one batch's gradient norm; absent, zero and non-finite norms are ignored. */
  public void observe(Double gradNorm) {
    if (gradNorm == null || !(gradNorm > 0) || !Double.isFinite(gradNorm)) {
      return;
    }
    double log = Math.log(gradNorm);
    if (count < INITIAL) {
      initialLogSum += log;
    }
    if (count == 0) {
      logBaseline = log;
    } else if (count < INITIAL || log - logBaseline < LOG_SPIKE) {
      logBaseline += EMA_ALPHA * (log - logBaseline);
    }
    count++;
  }

  /** Number of usable norms seen. */
  public long count() {
    return count;
  }

  /** Geometric mean of the first {@link #INITIAL} norms, NaN before any. */
  public double initialNorm() {
    return count == 0 ? Double.NaN : Math.exp(initialLogSum / Math.min(count, INITIAL));
  }

  /** The smoothed typical norm, NaN before any. */
  public double baselineNorm() {
    return count == 0 ? Double.NaN : Math.exp(logBaseline);
  }
}
