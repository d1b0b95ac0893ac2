package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.job.Robust;
import io.trainwatch.schemas.util.Quantiles;
import java.util.List;
import java.util.Optional;

/**
 * {@code straggler_rank} (warning): one rank of a job is persistently slower than its peers at the
 * same steps. Judged on the rank's own work before gradient synchronization ({@code compute_ms}
 * plus {@code data_ms}, where published): synchronous training makes every rank's {@code step_ms}
 * the same, so step time alone cannot name the slow rank.
 *
 * <p>Each judged step gives x = ln(rank's work / the peers' median work at that step), so a pause
 * all ranks take together (checkpoint, evaluation) or a drift of the whole job (heat, a slower
 * dataset shard for everyone) cancels out. Over the last n judged steps (n = {@code min_steps}, 2x,
 * 4x, 8x, at most 64) the rank is slow when the median of x (windows under 24 steps) or its
 * interquartile mean (longer ones: as robust to data-loader hiccups, and steadier) is a slowdown of
 * at least {@code min_slowdown} and at least {@code z_score} standard errors from 0, the noise
 * being the larger of the peers' spread and the rank's own over the whole window; the first window
 * that qualifies is reported. A large slowdown is named after a few steps, a small one after enough
 * steps to be sure.
 *
 * <p>Diagnoses: {@code slow_data} (the excess is mostly time waiting for data: the input pipeline,
 * storage or network of that host) and {@code slow_compute} (mostly forward/backward: a degraded
 * GPU, thermal throttling, a noisy neighbour).
 */
public final class StragglerRankRule implements RuleDefinition {

  public static final Param MIN_SLOWDOWN =
      Param.number(
          "min_slowdown",
          0.03,
          0.001,
          100,
          "Smallest slowdown reported, as a fraction of the peers' median work (0.03 = 3% slower).");
  public static final Param TOLERANCE =
      Param.number(
          "tolerance",
          0.015,
          0,
          100,
          "Slowdown that is normal between healthy devices (0.015 = 1.5%): the rank's typical slowdown "
              + "must be z_score standard errors above it.");
  public static final Param Z_SCORE =
      Param.number(
          "z_score",
          4,
          1,
          1000,
          "How many standard errors the rank's typical slowdown must be above the tolerance (the noise "
              + "is the larger of the peers' spread and the rank's own).");
  public static final Param MIN_STEPS =
      Param.integer(
          "min_steps",
          8,
          3,
          64,
          "Fewest judged steps the statistic uses; longer windows (12, 16, 24, 32, 48, 64 steps) "
              + "catch smaller slowdowns.");

  public static final String SLOW_COMPUTE = "slow_compute";
  public static final String SLOW_DATA = "slow_data";

  /** Fraction of the smallest and of the largest values left out of the mean. */
  static final double TRIM = 0.25;

  /** Windows of at least this many steps use the interquartile mean, shorter ones the median. */
  static final int LONG_WINDOW = 24;

  /** Window lengths tried, shortest first (the first is raised to min_steps). */
  static final int[] WINDOWS = {8, 12, 16, 24, 32, 48, 64};

  /** Smallest noise assumed (0.5%): timings identical to the microsecond prove nothing more. */
  static final double NOISE_FLOOR = 0.005;

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.STRAGGLER_RANK, 3, 20, MIN_SLOWDOWN, TOLERANCE, Z_SCORE, MIN_STEPS);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(SLOW_DATA, SLOW_COMPUTE);
  }

  /**
   * Judges a rank over its recent judged steps.
   *
   * @return a finding when the rank is a straggler, empty when it is not (or not known yet)
   */
  public Optional<Finding> evaluate(RankState rank, RuleSettings settings) {
    int minSteps = (int) settings.integer(MIN_STEPS);
    double minSlowdown = settings.number(MIN_SLOWDOWN);
    double z = settings.number(Z_SCORE);
    int size = rank.windowSize();
    if (size < minSteps) {
      return Optional.empty();
    }
    double tolerance = Math.log1p(settings.number(TOLERANCE));
    double scale = Double.NaN; // computed when first needed: most checks stop before
    for (int k = 0; k < WINDOWS.length; k++) {
      int n = k == 0 ? minSteps : Math.max(minSteps, WINDOWS[k]);
      if (k > 0 && WINDOWS[k] <= minSteps) {
        continue;
      }
      if (n > size) {
        break;
      }
      double[] x = column(rank, n, 0);
      // Short windows: the median (data-loader hiccups cluster; a median ignores up to half).
      // Long ones: the interquartile mean, steadier than a median and as robust in practice.
      boolean shortWindow = n < LONG_WINDOW;
      double m = shortWindow ? Quantiles.median(x) : Robust.trimmedMean(x, TRIM);
      double slowdown = Math.expm1(m);
      if (slowdown < minSlowdown) {
        continue;
      }
      if (Double.isNaN(scale)) {
        scale = noise(rank, size);
      }
      // Standard errors under normal noise: median sqrt(pi/2) sigma / sqrt(n), interquartile mean
      // about 1.09 sigma / sqrt(n).
      double se = (shortWindow ? 1.2533 : 1.09) * scale / Math.sqrt(n);
      double score = (m - tolerance) / se;
      if (score < z) {
        continue;
      }
      double computeExcess = Quantiles.median(finite(column(rank, n, 2)));
      double dataExcess = Quantiles.median(finite(column(rank, n, 3)));
      double medianWork = Quantiles.median(finite(column(rank, n, 4)));
      boolean data =
          Double.isFinite(dataExcess)
              && (!Double.isFinite(computeExcess) || dataExcess > computeExcess);
      return Optional.of(
          Finding.of(data ? SLOW_DATA : SLOW_COMPUTE, slowdown)
              .put("rank", rank.rank())
              .put("host", rank.host())
              .put("device", rank.device())
              .put("slowdown", round(slowdown))
              .put("phase", data ? "data" : "compute")
              .put("rank_work_ms", round(medianWork * Math.exp(m)))
              .put("peer_median_work_ms", round(medianWork))
              .put("compute_excess", Double.isFinite(computeExcess) ? round(computeExcess) : null)
              .put("data_excess", Double.isFinite(dataExcess) ? round(dataExcess) : null)
              .put("steps", n)
              .put("z_score", round(score))
              .build());
    }
    return Optional.empty();
  }

  /**
   * The noise of one judged step, over the whole window (a MAD of 8 values is itself too noisy to
   * trust): the peers' spread at the same steps, or the rank's own spread when it is larger.
   */
  private static double noise(RankState rank, int size) {
    double[] all = column(rank, size, 0);
    double peersSigma = Quantiles.median(finite(column(rank, size, 1)));
    double ownSigma = Robust.MAD_TO_SIGMA * Robust.mad(all, Quantiles.median(all));
    return Math.max(NOISE_FLOOR, Math.max(ownSigma, Double.isNaN(peersSigma) ? 0 : peersSigma));
  }

  private static double[] column(RankState rank, int n, int field) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = rank.recent(i, field);
    }
    return out;
  }

  private static double[] finite(double[] v) {
    return java.util.Arrays.stream(v).filter(Double::isFinite).toArray();
  }

  static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
