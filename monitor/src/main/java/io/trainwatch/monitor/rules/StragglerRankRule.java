package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.job.JobNoise;
import io.trainwatch.monitor.job.JobState;
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
 *       node): a window is judged so only while fewer than {@code baseline_steps} of the rank's
 *       steps precede it; later, a rank that became slower is the change test's.
 *   <li><b>Against its own earlier steps</b>: a change. Devices differ by a few percent for good
 *       (clocks, cooling, the host's drift), so a rank 3% slower than its peers all along is not a
 *       straggler, but one that became 5% slower than it was is. For each window of the last n
 *       steps (8 to 56) the mean of x, winsorized at 3 noise units from the window's median, is
 *       compared with the mean of every earlier step the rank remembers (its older recent steps,
 *       and a {@link StragglerBaseline} of the steps before them that fades out after {@value
 *       StragglerBaseline#MEMORY}); the rank changed when the difference is at least {@code
 *       min_change} and at least {@code change_z_score} standard errors of a difference of two
 *       means, with at least {@code baseline_steps} earlier steps, and the rank is now slower than
 *       its peers' median. A change of 20% is named after a few steps, one of 5% after a few dozen
 *       (the noise allowing); a rank's baseline stops learning while it is flagged, and starts over
 *       with each attempt (a restart makes new rank records).
 * </ul>
 *
 * <p>Persistence: for windows of up to 28 steps, the window twice as long must show the change at
 * half the z-score (a real change fills it once it is that old, a short burst does not).
 *
 * <p>The noise is the long-run noise of a mean of consecutive steps, the largest of: the peers'
 * spread at the same steps; the rank's own step-to-step spread (from differences of consecutive
 * steps, which a change of level does not inflate); the rank's own batch means (the spread of means
 * of {@value JobNoise#BLOCK} consecutive steps of its window, times sqrt(BLOCK)); and its job's
 * ({@link JobNoise}, the same pooled over the job's ranks). On a shared host slow steps come in
 * bursts, and a mean of n steps then varies much more than the per-step spread over sqrt(n): a test
 * that took steps for independent would page on every burst. The first window that qualifies is
 * reported.
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
              + "is the largest of the peers' spread, the rank's own and the long-run noise of "
              + "consecutive steps).");
  public static final Param MIN_STEPS =
      Param.integer(
          "min_steps",
          8,
          3,
          64,
          "Fewest judged steps the peer test uses; longer windows (12, 16, 24, 32, 48, 64 steps) "
              + "catch smaller slowdowns. A window is judged against the peers only while fewer than "
              + "baseline_steps of the rank's steps precede it.");
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
          "How many standard errors of the difference (with the long-run noise of consecutive steps) "
              + "the rank's recent mean must be above its earlier mean: higher is fewer false alarms "
              + "on large fleets and later detection.");
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

  /**
   * Age in judged steps of the block a rank adds to its job's long-run noise: old enough that a
   * real change is flagged by then (and left out), young enough that a job learns its noise early.
   */
  static final int NOISE_AGE = 24;

  /** Fewest degrees of freedom (blocks less segments) for a rank's own long-run noise. */
  static final int MIN_BLOCK_DOF = 2;

  private static final double NaN = Double.NaN;

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
   * Judges a rank without its job's long-run noise (a job of its own): see {@link
   * #evaluate(RankState, JobState, RuleSettings)}.
   */
  public Optional<Finding> evaluate(RankState rank, RuleSettings settings) {
    return evaluate(rank, new JobState(), settings);
  }

  /**
   * Judges a rank after its newest judged step, and folds the step about to leave its window into
   * its baseline, and every {@value JobNoise#BLOCK} judged steps its block of steps {@value
   * #NOISE_AGE} old into the job's long-run noise (unless the rank is flagged or pending).
   *
   * @param job the rank's job, whose {@link JobState#noise()} this reads and updates
   * @return a finding when the rank is a straggler, empty when it is not (or not known yet)
   */
  public Optional<Finding> evaluate(RankState rank, JobState job, RuleSettings settings) {
    int size = rank.windowSize();
    if (size == 0) {
      return Optional.empty();
    }
    Channel work = Channel.of(rank, WORK, size);
    Channel compute = Channel.of(rank, COMPUTE, size);
    if (work == null) {
      return Optional.empty(); // not reached: the window only holds steps with a work ratio
    }
    JobNoise jobNoise = job.noise();
    Optional<Finding> f = againstPeers(rank, work, jobNoise, settings);
    if (f.isEmpty()) {
      f = change(rank, work, compute, jobNoise, settings);
    }
    boolean quiet =
        f.isEmpty()
            && rank.straggler().phase() == io.trainwatch.monitor.run.AlertTrack.Phase.INACTIVE;
    if (quiet
        && size >= NOISE_AGE + 2 * JobNoise.BLOCK
        && rank.judgedTotal() % JobNoise.BLOCK == 0) {
      // Every BLOCK steps, the block of steps NOISE_AGE old (by then a real change has been
      // flagged, and is left out) joins the job's long-run noise.
      job.setNoise(
          jobNoise.plus(
              work.blockVariance(NOISE_AGE),
              compute == null ? NaN : compute.blockVariance(NOISE_AGE)));
    }
    if (size == RankState.WINDOW && quiet) {
      // The oldest step leaves the window at the next judged step: it joins the baseline.
      rank.setBaseline(
          rank.baseline()
              .plus(
                  work.winsorized(size - 1),
                  compute == null ? Double.NaN : compute.winsorized(size - 1)));
    }
    return f;
  }

  /** The peer test: much slower than the peers' median. */
  private Optional<Finding> againstPeers(
      RankState rank, Channel work, JobNoise jobNoise, RuleSettings settings) {
    int minSteps = (int) settings.integer(MIN_STEPS);
    double minSlowdown = settings.number(MIN_SLOWDOWN);
    double z = settings.number(Z_SCORE);
    int size = work.size();
    if (size < minSteps) {
      return Optional.empty();
    }
    double tolerance = Math.log1p(settings.number(TOLERANCE));
    double minBaseline = settings.integer(BASELINE_STEPS);
    double perStep = Double.NaN; // computed when first needed: most checks stop before
    for (int k = 0; k < WINDOWS.length; k++) {
      int n = k == 0 ? minSteps : Math.max(minSteps, WINDOWS[k]);
      if (k > 0 && WINDOWS[k] <= minSteps) {
        continue;
      }
      if (n > size) {
        break;
      }
      // A window shorter than the rank's history is judged against the peers only while the
      // steps before it are too few for the change test: once they are enough, a rank that became
      // slower is the change test's, which judges it against its own history and its bursts.
      if (n < size && size - n >= minBaseline) {
        continue;
      }
      double[] x = Arrays.copyOf(work.values(), n);
      // Short windows: the median (data-loader hiccups cluster; a median ignores up to half).
      // Long ones: the interquartile mean, steadier than a median and as robust in practice.
      boolean shortWindow = n < LONG_WINDOW;
      double m = shortWindow ? Quantiles.median(x) : Robust.trimmedMean(x, TRIM);
      double slowdown = Math.expm1(m);
      if (slowdown < minSlowdown) {
        continue;
      }
      // The per-step noise, or the long-run noise of a mean of consecutive steps where bursts
      // make it larger: the rank's own (its last n steps and the earlier ones apart, so that a
      // change between them is not counted as noise), or its job's.
      if (Double.isNaN(perStep)) {
        perStep = max(peerNoise(rank, work.values()), jobNoise.sigma(WORK));
      }
      double scale = max(perStep, work.longRun(n, size));
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
          Double.isFinite(dataExcess)
              && (!Double.isFinite(computeExcess) || dataExcess > computeExcess);
      return Optional.of(
          finding(rank, data, slowdown, m, n, score, computeExcess, dataExcess)
              .put("compared_with", "peers")
              .put("noise", round(scale))
              .build());
    }
    return Optional.empty();
  }

  /** The change test: slower than the rank's own earlier steps, on work or on compute. */
  private Optional<Finding> change(
      RankState rank, Channel work, Channel compute, JobNoise jobNoise, RuleSettings settings) {
    double minChange = Math.log1p(settings.number(MIN_CHANGE));
    double z = settings.number(CHANGE_Z_SCORE);
    double minBaseline = settings.integer(BASELINE_STEPS);
    for (int n : CHANGE_WINDOWS) {
      for (Channel c : compute == null ? List.of(work) : List.of(compute, work)) {
        double before = rank.baseline().count(c.index()) + (c.size() - n);
        if (n >= c.size() || before < minBaseline) {
          continue;
        }
        double d = c.mean(0, n) - c.earlier(rank, n);
        if (d < minChange || c.mean(0, n) <= 0) {
          continue;
        }
        double noise = c.noiseOfMeans(n, jobNoise);
        double score = d / (WINSORIZED_SE * noise * Math.sqrt(1.0 / n + 1.0 / before));
        if (score < z) {
          continue;
        }
        // Persistence: a burst of slow steps (another process on the host's cores for a while)
        // fills a short window as a change does, but not the window twice as long, which a real
        // change fills as soon as it is that old. The longer window must show the change at half
        // the z-score (its mean is diluted by earlier steps while the change is young), with the
        // same noise (split at 2n, the rank's own long-run noise would count the change as noise).
        int twice = 2 * n;
        if (twice <= CHANGE_WINDOWS[CHANGE_WINDOWS.length - 1] && twice < c.size()) {
          double before2 = rank.baseline().count(c.index()) + (c.size() - twice);
          double d2 = c.mean(0, twice) - c.earlier(rank, twice);
          double score2 = d2 / (WINSORIZED_SE * noise * Math.sqrt(1.0 / twice + 1.0 / before2));
          if (before2 < minBaseline || score2 < z / 2) {
            continue;
          }
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
                    workRecent,
                    n,
                    score,
                    computeExcess,
                    dataExcess)
                .put("compared_with", "own_earlier_steps")
                .put("noise", round(noise))
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
      double logRatio,
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
        .put("rank_work_ms", round(medianWork * Math.exp(logRatio)))
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

    /**
     * The long-run standard deviation of one step by batch means: the spread of the means of
     * {@value JobNoise#BLOCK} consecutive winsorized values around their segment's mean, times
     * sqrt(BLOCK), with the recent steps [0, split) and the earlier ones [split, to) as two
     * segments (so a change of level between them does not count as noise); NaN when fewer than
     * {@value #MIN_BLOCK_DOF} degrees of freedom remain. Under independent noise it estimates the
     * per-step standard deviation; bursts of slow or fast steps make it larger, as they make the
     * mean of a window vary more.
     */
    double longRun(int split, int to) {
      double ss = 0;
      int blocks = 0;
      int segments = 0;
      for (int[] seg : new int[][] {{0, split}, {split, to}}) {
        int k = (seg[1] - seg[0]) / JobNoise.BLOCK;
        if (k == 0) {
          continue;
        }
        double[] means = new double[k];
        double total = 0;
        for (int j = 0; j < k; j++) {
          means[j] = mean(seg[0] + j * JobNoise.BLOCK, seg[0] + (j + 1) * JobNoise.BLOCK);
          total += means[j];
        }
        double center = total / k;
        for (double m : means) {
          ss += (m - center) * (m - center);
        }
        blocks += k;
        segments++;
      }
      int dof = blocks - segments;
      return dof < MIN_BLOCK_DOF ? Double.NaN : Math.sqrt(JobNoise.BLOCK * ss / dof);
    }

    /**
     * One block's estimate of the long-run variance, for the job's noise: BLOCK x the squared
     * deviation of the mean of the {@value JobNoise#BLOCK} values from {@code age} (0 = newest)
     * from the mean of all values from {@code age} on, corrected for that mean's own share of the
     * blocks; NaN with fewer than two blocks.
     */
    double blockVariance(int age) {
      int k = (size() - age) / JobNoise.BLOCK;
      if (k < 2) {
        return Double.NaN;
      }
      double d = mean(age, age + JobNoise.BLOCK) - mean(age, age + k * JobNoise.BLOCK);
      return JobNoise.BLOCK * d * d * k / (k - 1);
    }

    double winsorized(int i) {
      return clipped[i];
    }

    /** The mean of the rank's earlier steps: its window's from {@code n} on and its baseline's. */
    double earlier(RankState rank, int n) {
      double before = rank.baseline().count(index) + (size() - n);
      return (rank.baseline().sum(index) + mean(n, size()) * (size() - n)) / before;
    }

    /**
     * The noise of a mean of consecutive steps: the per-step noise, or the long-run one where the
     * rank's steps (its recent n and its earlier ones apart) or its job's come in bursts.
     */
    double noiseOfMeans(int n, JobNoise job) {
      return max(noise, longRun(n, size()), job.sigma(index));
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
  private static double peerNoise(RankState rank, double[] all) {
    double peersSigma = rank.peerSigma();
    double ownSigma = Robust.MAD_TO_SIGMA * Robust.mad(all, Quantiles.median(all));
    return Math.max(NOISE_FLOOR, Math.max(ownSigma, Double.isNaN(peersSigma) ? 0 : peersSigma));
  }

  /** The largest of the values that are not NaN. */
  static double max(double first, double... more) {
    double m = first;
    for (double v : more) {
      if (!Double.isNaN(v) && (Double.isNaN(m) || v > m)) {
        m = v;
      }
    }
    return m;
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
