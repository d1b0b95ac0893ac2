package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.job.Robust;
import io.trainwatch.schemas.util.Quantiles;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code straggler_rank} (warning): one rank of a job is persistently slower than its peers at the
 * same steps. Judged on the rank's own work before gradient synchronization ({@code compute_ms}
 * plus {@code data_ms}, where published), and on {@code compute_ms} alone: synchronous training
 * makes every rank's {@code step_ms} the same, so step time alone cannot name the slow rank.
 *
 * <p>Each judged step gives x = ln(rank's time / the peers' median time at that step), for the work
 * and for the compute, so a pause all ranks take together (checkpoint, evaluation) or a drift of
 * the whole job (heat, a slower dataset shard for everyone) cancels out. Two tests, after NVIDIA's
 * straggler detector (nvidia-resiliency-ext), which scores each rank against the best rank
 * (relative score) and against its own history (individual score):
 *
 * <ul>
 *   <li><b>Against its peers</b>: over the last n judged steps (n = {@code min_steps}, 12, 16, 24,
 *       32, 48, 64) the median of x (windows under 24 steps) or its interquartile mean is a
 *       slowdown of at least {@code min_slowdown} and at least {@code z_score} standard errors
 *       above {@code tolerance}, the spread that is normal between healthy devices. This names a
 *       rank that is much slower from its first steps (a degraded device, a restart on the same bad
 *       node). Where both phases are published they are judged apart: the compute on its own ratio,
 *       then the data wait on the lower quartile of its excess over the peers' median (scheduling
 *       bursts on a busy host hit a minority of a rank's steps; a slow loader every step).
 *   <li><b>Against its own earlier steps</b>: a change. Devices differ by a few percent for good
 *       (clocks, cooling, the host's drift), so a rank 3% slower than its peers all along is not a
 *       straggler, but one that became 5% slower than it was is. For each window of the last n
 *       steps (8 to 56) the mean of x, winsorized at 3 noise units from the window's median, is
 *       compared with the mean of every earlier step the rank remembers (its older recent steps,
 *       and a {@link StragglerBaseline} of the steps before them that fades out after {@value
 *       StragglerBaseline#MEMORY}); the rank changed when the difference is at least {@code
 *       min_change} and at least {@code change_z_score} standard errors of a difference of two
 *       means, with at least {@code baseline_steps} earlier steps, and the rank is now at least
 *       {@code min_change} slower than its peers' median. A change of 20% is named after a few
 *       steps, one of 5% after a few dozen (the noise allowing); a rank's baseline stops learning
 *       while it is flagged, and starts over with each attempt (a restart makes new rank records).
 * </ul>
 *
 * <p>The noise of a step is the larger of the peers' spread at the same steps and the rank's own
 * step-to-step spread (from differences of consecutive steps, which a change of level does not
 * inflate). The first window that qualifies is reported.
 *
 * <p>Diagnoses: {@code slow_data} (the excess is mostly time waiting for data: the input pipeline,
 * storage or network of that host) and {@code slow_compute} (mostly forward/backward: a degraded
 * GPU, thermal throttling, a noisy neighbour).
 */
public final class StragglerRankRule implements RuleDefinition {

  public static final Param MIN_SLOWDOWN =
      Param.number(
          "min_slowdown",
          0.08,
          0.001,
          100,
          "Smallest slowdown against the peers reported by the peer test, as a fraction of the peers' "
              + "median work (0.08 = 8% slower); smaller ones are found as changes (min_change).");
  public static final Param TOLERANCE =
      Param.number(
          "tolerance",
          0.04,
          0,
          100,
          "Slowdown that is normal between healthy devices for good (0.04 = 4%): the rank's typical "
              + "slowdown against its peers must be z_score standard errors above it.");
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
          "Fewest judged steps the peer test uses; longer windows (12, 16, 24, 32, 48, 64 steps) "
              + "catch smaller slowdowns.");
  public static final Param MIN_CHANGE =
      Param.number(
          "min_change",
          0.03,
          0.001,
          100,
          "Smallest change reported by the change test: the rank became this much slower than over its "
              + "own earlier steps, relative to its peers (0.03 = 3%).");
  public static final Param CHANGE_Z_SCORE =
      Param.number(
          "change_z_score",
          5,
          1,
          1000,
          "How many standard errors of the difference the rank's recent mean must be above its earlier "
              + "mean: higher is fewer false alarms on large fleets and later detection.");
  public static final Param BASELINE_STEPS =
      Param.integer(
          "baseline_steps",
          24,
          4,
          100_000,
          "Fewest earlier judged steps of the rank before a change is judged (each attempt starts over).");

  public static final String SLOW_COMPUTE = "slow_compute";
  public static final String SLOW_DATA = "slow_data";

  /** Fraction of the smallest and of the largest values left out of the mean. */
  static final double TRIM = 0.25;

  /** Windows of at least this many steps use the interquartile mean, shorter ones the median. */
  static final int LONG_WINDOW = 24;

  /** Window lengths tried by the peer test, shortest first (the first is raised to min_steps). */
  static final int[] WINDOWS = {8, 12, 16, 24, 32, 48, 64};

  /** Window lengths tried by the change test, shortest first. */
  static final int[] CHANGE_WINDOWS = {8, 12, 16, 20, 24, 32, 40, 48, 56};

  /** Values further than this many noise units from the window's median are clipped there. */
  static final double WINSOR = 3;

  /** The standard error of a winsorized mean, in units of sigma/sqrt(n), under normal noise. */
  static final double WINSORIZED_SE = 1.05;

  /** The standard error of a lower quartile, in units of sigma/sqrt(n), under normal noise. */
  static final double QUARTILE_SE = 1.3626;

  /** Smallest noise assumed (0.5%): timings identical to the microsecond prove nothing more. */
  static final double NOISE_FLOOR = 0.005;

  /** The channels: the whole work before synchronization, and its compute part. */
  static final int WORK = 0;

  static final int COMPUTE = 1;

  private static final RuleSpec SPEC =
      RuleSpec.of(
          RuleId.STRAGGLER_RANK,
          3,
          20,
          MIN_SLOWDOWN,
          TOLERANCE,
          Z_SCORE,
          MIN_STEPS,
          MIN_CHANGE,
          CHANGE_Z_SCORE,
          BASELINE_STEPS);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(SLOW_DATA, SLOW_COMPUTE);
  }

  /**
   * Judges a rank after its newest judged step, and folds the step about to leave its window into
   * its baseline (unless the rank is flagged or pending).
   *
   * @return a finding when the rank is a straggler, empty when it is not (or not known yet)
   */
  public Optional<Finding> evaluate(RankState rank, RuleSettings settings) {
    int size = rank.windowSize();
    if (size == 0) {
      return Optional.empty();
    }
    Channel work = Channel.of(rank, WORK, size);
    Channel compute = Channel.of(rank, COMPUTE, size);
    if (work == null) {
      return Optional.empty(); // not reached: the window only holds steps with a work ratio
    }
    Optional<Finding> f = againstPeers(rank, work, compute, split(rank, compute), settings);
    if (f.isEmpty()) {
      f = change(rank, work, compute, settings);
    }
    if (size == RankState.WINDOW
        && f.isEmpty()
        && rank.straggler().phase() == io.trainwatch.monitor.run.AlertTrack.Phase.INACTIVE) {
      // The oldest step leaves the window at the next judged step: it joins the baseline.
      rank.setBaseline(
          rank.baseline()
              .plus(
                  work.winsorized(size - 1),
                  compute == null ? Double.NaN : compute.winsorized(size - 1)));
    }
    return f;
  }

  /**
   * The peer test: much slower than the peers' median. Where both phases are published, each is
   * judged on its own: the compute on its log ratio (a clean clock), then the data wait on its
   * lower quartile ({@link #dataAgainstPeers}); else the work as a whole.
   */
  private Optional<Finding> againstPeers(
      RankState rank, Channel work, Channel compute, boolean split, RuleSettings settings) {
    if (!split) {
      return levelAgainstPeers(rank, work, rank.peerSigma(), settings);
    }
    // The steps with a data wait (not the first step of a run, which has none), newest first.
    double[] data = finite(column(rank, work.size(), 3));
    Optional<Finding> f = levelAgainstPeers(rank, compute, rank.peerComputeSigma(), settings);
    return f.isPresent() ? f : dataAgainstPeers(rank, data, settings);
  }

  /** The peer test on one channel's log ratio: its median or interquartile mean. */
  private Optional<Finding> levelAgainstPeers(
      RankState rank, Channel channel, double peersSigma, RuleSettings settings) {
    int minSteps = (int) settings.integer(MIN_STEPS);
    double minSlowdown = settings.number(MIN_SLOWDOWN);
    double z = settings.number(Z_SCORE);
    int size = channel.size();
    if (size < minSteps) {
      return Optional.empty();
    }
    double tolerance = Math.log1p(settings.number(TOLERANCE));
    double scale = Double.NaN; // computed when first needed: most checks stop before
    for (int n : peerWindows(minSteps, size)) {
      double[] x = Arrays.copyOf(channel.values(), n);
      // Short windows: the median (data-loader hiccups cluster; a median ignores up to half).
      // Long ones: the interquartile mean, steadier than a median and as robust in practice.
      boolean shortWindow = n < LONG_WINDOW;
      double m = shortWindow ? Quantiles.median(x) : Robust.trimmedMean(x, TRIM);
      double slowdown = Math.expm1(m);
      if (slowdown < minSlowdown) {
        continue;
      }
      if (Double.isNaN(scale)) {
        scale = peerNoise(peersSigma, channel.values());
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
      boolean data =
          channel.index() == WORK
              && Double.isFinite(dataExcess)
              && (!Double.isFinite(computeExcess) || dataExcess > computeExcess);
      return Optional.of(
          finding(
                  rank,
                  data,
                  slowdown,
                  channel.index() == WORK ? Math.exp(m) : 1 + computeExcess,
                  n,
                  score,
                  computeExcess,
                  dataExcess)
              .put("compared_with", "peers")
              .build());
    }
    return Optional.empty();
  }

  /**
   * The peer test on the data wait, (rank's wait - peers' median wait) / peers' median work per
   * step: a rank whose loader is slow waits longer at (nearly) every step, while a process
   * descheduled by a busy host waits 10-100 times its usual time at a few steps in ten, on any
   * rank, in bursts. So the level is the window's lower quartile (the rank waited longer on at
   * least three steps in four), which such bursts in a minority of the steps barely move; it must
   * be at least {@code min_slowdown} and {@code z_score} standard errors of a quartile ({@value
   * #QUARTILE_SE} spread / sqrt(n), the spread the MAD of the rank's whole window) above {@code
   * tolerance}. A healthy rank's lower quartile lies below its typical excess, so the test errs on
   * the quiet side.
   */
  private Optional<Finding> dataAgainstPeers(RankState rank, double[] data, RuleSettings settings) {
    int minSteps = (int) settings.integer(MIN_STEPS);
    double minSlowdown = settings.number(MIN_SLOWDOWN);
    double tolerance = settings.number(TOLERANCE);
    double z = settings.number(Z_SCORE);
    if (data.length < minSteps) {
      return Optional.empty();
    }
    double spread = Double.NaN;
    for (int n : peerWindows(minSteps, data.length)) {
      double[] x = Arrays.copyOf(data, n);
      double q = Quantiles.percentile(x, 25);
      if (q < minSlowdown) {
        continue;
      }
      if (Double.isNaN(spread)) {
        spread =
            Math.max(NOISE_FLOOR, Robust.MAD_TO_SIGMA * Robust.mad(data, Quantiles.median(data)));
      }
      double score = (q - tolerance) / (QUARTILE_SE * spread / Math.sqrt(n));
      if (score < z) {
        continue;
      }
      double computeExcess = Quantiles.median(finite(column(rank, n, 2)));
      return Optional.of(
          finding(rank, true, q, 1 + q, n, score, computeExcess, Quantiles.median(x))
              .put("compared_with", "peers")
              .build());
    }
    return Optional.empty();
  }

  /**
   * Whether the phases are judged apart: the compute is published at every step of the window and
   * the newest step has a data wait (the first step of a run has none).
   */
  private static boolean split(RankState rank, Channel compute) {
    return compute != null && Double.isFinite(rank.recent(0, 3));
  }

  /** The peer test's window lengths for a rank with {@code size} judged steps, shortest first. */
  private static int[] peerWindows(int minSteps, int size) {
    return Arrays.stream(WINDOWS)
        .map(w -> Math.max(minSteps, w))
        .distinct()
        .filter(n -> n <= size)
        .toArray();
  }

  /** The change test: slower than the rank's own earlier steps, on work or on compute. */
  private Optional<Finding> change(
      RankState rank, Channel work, Channel compute, RuleSettings settings) {
    double minChange = Math.log1p(settings.number(MIN_CHANGE));
    double z = settings.number(CHANGE_Z_SCORE);
    double minBaseline = settings.integer(BASELINE_STEPS);
    List<Channel> channels = compute == null ? List.of(work) : List.of(compute, work);
    for (int n : CHANGE_WINDOWS) {
      for (Channel c : channels) {
        double before = rank.baseline().count(c.index()) + (c.size() - n);
        if (n >= c.size() || before < minBaseline) {
          continue;
        }
        double recent = c.mean(0, n);
        double earlier =
            (rank.baseline().sum(c.index()) + c.mean(n, c.size()) * (c.size() - n)) / before;
        double d = recent - earlier;
        // A straggler is slower than its job's median now, not only slower than it was: a fast
        // device drifting back towards its peers is not one.
        if (d < minChange || recent < minChange) {
          continue;
        }
        double se = WINSORIZED_SE * c.noise() * Math.sqrt(1.0 / n + 1.0 / before);
        double score = d / se;
        if (score < z) {
          continue;
        }
        double computeChange = excessChange(rank, 2, n, c.size());
        double dataChange = excessChange(rank, 3, n, c.size());
        boolean data =
            c.index() == WORK
                && Double.isFinite(dataChange)
                && (!Double.isFinite(computeChange) || dataChange > computeChange);
        double computeExcess = Quantiles.median(finite(column(rank, n, 2)));
        double dataExcess = Quantiles.median(finite(column(rank, n, 3)));
        double workRecent = work.mean(0, n);
        return Optional.of(
            finding(
                    rank,
                    data,
                    Math.expm1(workRecent),
                    Math.exp(workRecent),
                    n,
                    score,
                    computeExcess,
                    dataExcess)
                .put("compared_with", "own_earlier_steps")
                .put("change", round(Math.expm1(d)))
                .put("change_of", c.index() == WORK ? "work" : "compute")
                .put("baseline_steps", (long) Math.floor(before))
                .build());
      }
    }
    return Optional.empty();
  }

  private static Finding.Builder finding(
      RankState rank,
      boolean data,
      double slowdown,
      double workRatio,
      int n,
      double score,
      double computeExcess,
      double dataExcess) {
    double medianWork = Quantiles.median(finite(column(rank, n, 4)));
    return Finding.of(data ? SLOW_DATA : SLOW_COMPUTE, slowdown)
        .put("rank", rank.rank())
        .put("host", rank.host())
        .put("device", rank.device())
        .put("slowdown", round(slowdown))
        .put("phase", data ? "data" : "compute")
        .put("rank_work_ms", round(medianWork * workRatio))
        .put("peer_median_work_ms", round(medianWork))
        .put("compute_excess", Double.isFinite(computeExcess) ? round(computeExcess) : null)
        .put("data_excess", Double.isFinite(dataExcess) ? round(dataExcess) : null)
        .put("steps", n)
        .put("z_score", round(score));
  }

  /**
   * How much an excess (field 2 compute, 3 data) grew: its median now minus before, in the window.
   */
  private static double excessChange(RankState rank, int field, int n, int size) {
    double[] all = column(rank, size, field);
    double now = Quantiles.median(finite(Arrays.copyOfRange(all, 0, n)));
    double[] older = finite(Arrays.copyOfRange(all, n, size));
    return older.length == 0 ? now : now - Quantiles.median(older);
  }

  /**
   * One channel's recent judged steps (newest first), its noise and its values winsorized at
   * {@value #WINSOR} noise units around their median.
   */
  private record Channel(int index, double[] values, double noise, double[] clipped) {

    /**
     * The channel, or {@code null} when a step in the window lacks it (compute not published; the
     * window only holds steps whose work was compared).
     */
    static Channel of(RankState rank, int index, int size) {
      double[] v = column(rank, size, index);
      for (double x : v) {
        if (!Double.isFinite(x)) {
          return null;
        }
      }
      return new Channel(index, v, Double.NaN, null).complete(rank);
    }

    private Channel complete(RankState rank) {
      double peers = index == WORK ? rank.peerSigma() : rank.peerComputeSigma();
      double noise =
          Math.max(NOISE_FLOOR, Math.max(ownNoise(values), Double.isNaN(peers) ? 0 : peers));
      double center = values.length == 0 ? 0 : Quantiles.median(values);
      double[] c = new double[values.length];
      for (int i = 0; i < c.length; i++) {
        c[i] = Math.max(center - WINSOR * noise, Math.min(center + WINSOR * noise, values[i]));
      }
      return new Channel(index, values, noise, c);
    }

    int size() {
      return values.length;
    }

    double winsorized(int i) {
      return clipped[i];
    }

    /**
     * The mean of the winsorized values from {@code from} (inclusive, 0 = newest) to {@code to}.
     */
    double mean(int from, int to) {
      if (to <= from) {
        return 0;
      }
      double sum = 0;
      for (int i = from; i < to; i++) {
        sum += clipped[i];
      }
      return sum / (to - from);
    }
  }

  /**
   * The rank's own step-to-step noise: the spread of differences of consecutive steps divided by
   * sqrt(2), which a change of level (one large difference) barely moves.
   */
  static double ownNoise(double[] newestFirst) {
    if (newestFirst.length < 3) {
      return 0;
    }
    double[] diff = new double[newestFirst.length - 1];
    for (int i = 0; i < diff.length; i++) {
      diff[i] = Math.abs(newestFirst[i] - newestFirst[i + 1]);
    }
    return Robust.MAD_TO_SIGMA * Quantiles.median(diff) / Math.sqrt(2);
  }

  /**
   * The noise of one judged step for the peer test, over the whole window (a MAD of 8 values is
   * itself too noisy to trust): the peers' spread at the same steps, or the rank's own spread when
   * it is larger.
   */
  private static double peerNoise(double peersSigma, double[] all) {
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
    return Arrays.stream(v).filter(Double::isFinite).toArray();
  }

  static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
