package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.job.Robust;
import io.trainwatch.monitor.job.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * {@code rank_divergence} (error): one rank's loss or gradient norm departs from the other ranks'
 * at the same step. Data-parallel replicas hold the same weights, so their losses differ only by
 * their batches: a rank that alone turns non-finite, or whose loss or gradient norm is far outside
 * its peers' spread, computes wrongly. That is how silent data corruption and a bad GPU show.
 *
 * <p>A non-finite loss or gradient norm on this rank while most peers' are finite fires at once
 * (one step, whatever {@code for_batches} says); when every rank is non-finite the model diverged,
 * which {@code nonfinite_loss} reports, grouped per job. An outlier is |value - peers' median| of
 * at least {@code z_score} x max(the peers' spread, {@code relative_floor} x |median|), with at
 * least {@code min_peers} peers, and for a gradient norm also {@code grad_norm_ratio} times the
 * median or less than its inverse; it fires after {@code for_batches} consecutive judged steps.
 *
 * <p>An outlier is judged only when it is the step's only one: when a peer's value is as far out by
 * the same test, the step's values are heavy-tailed (near convergence a hard batch has 100 to
 * 10,000 times the loss of the others, whose median may be 1e-7; in a job that starts to diverge
 * the ranks blow up one or two steps apart), and one rank among several outliers is not a rank
 * computing wrongly. Such a step neither advances nor clears the rank's alert. The price: two ranks
 * of one job that turn out of line at the same steps are not named by this test (a NaN still is).
 *
 * <p>Diagnoses: {@code nonfinite_on_rank}, {@code grad_norm_outlier}, {@code loss_outlier}.
 */
public final class RankDivergenceRule implements RuleDefinition {

  public static final Param Z_SCORE =
      Param.number(
          "z_score",
          6,
          1,
          1000,
          "How far (in the peers' standard deviations) a rank's loss or gradient norm must be from the "
              + "peers' median.");
  public static final Param RELATIVE_FLOOR =
      Param.number(
          "relative_floor",
          0.1,
          0,
          1000,
          "Smallest spread assumed, as a fraction of the peers' median: with z_score 6, a value must "
              + "differ by at least 60% of the median.");
  public static final Param GRAD_NORM_RATIO =
      Param.number(
          "grad_norm_ratio",
          10,
          1,
          1e6,
          "A rank's gradient norm is an outlier only when it is also at least this many times its "
              + "peers' median, or at most its inverse: in healthy training near convergence one "
              + "rank's batch often has a gradient norm 2-4x its peers' for a few steps running.");
  public static final Param MIN_PEERS =
      Param.integer(
          "min_peers",
          3,
          2,
          64,
          "Fewest other ranks reporting the same step for an outlier to be judged (non-finite values "
              + "need one).");

  public static final String NONFINITE_ON_RANK = "nonfinite_on_rank";
  public static final String GRAD_NORM_OUTLIER = "grad_norm_outlier";
  public static final String LOSS_OUTLIER = "loss_outlier";

  private static final RuleSpec SPEC =
      RuleSpec.of(
          RuleId.RANK_DIVERGENCE, 3, 20, Z_SCORE, RELATIVE_FLOOR, GRAD_NORM_RATIO, MIN_PEERS);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(NONFINITE_ON_RANK, GRAD_NORM_OUTLIER, LOSS_OUTLIER);
  }

  /**
   * {@code true} if this step can be judged for this rank, {@code false} when its loss or gradient
   * norm is out of line but so is a peer's at the same step (heavy-tailed values, not one rank
   * computing wrongly): such a step neither advances nor clears the alert. Non-finite values are
   * always judged.
   */
  public boolean judges(Verdict v, RuleSettings settings) {
    float loss = v.sample().loss();
    float grad = v.sample().gradNorm();
    if (!Float.isFinite(loss) || (v.sample().gradPublished() && !Float.isFinite(grad))) {
      return true;
    }
    double z = settings.number(Z_SCORE);
    double floor = settings.number(RELATIVE_FLOOR);
    double ratio = settings.number(GRAD_NORM_RATIO);
    int minPeers = (int) settings.integer(MIN_PEERS);
    boolean lossOut =
        v.peersFiniteLoss() >= minPeers
            && deviation(loss, v.peerLossMedian(), v.peerLossMad(), floor) >= z
            && outlier(v.peerLossFarthest(), v.peerLossMedian(), v.peerLossMad(), floor, z, 1);
    boolean gradOut =
        v.sample().gradPublished()
            && v.peersGrad() >= minPeers
            && deviation(grad, v.peerGradMedian(), v.peerGradMad(), floor) >= z
            && farApart(grad, v.peerGradMedian(), ratio)
            && outlier(v.peerGradFarthest(), v.peerGradMedian(), v.peerGradMad(), floor, z, ratio);
    return !lossOut && !gradOut;
  }

  private static boolean outlier(
      double value, double median, double mad, double floor, double z, double ratio) {
    return Double.isFinite(value)
        && deviation(value, median, mad, floor) >= z
        && farApart(value, median, ratio);
  }

  /** Judges a rank at one step against its peers. */
  public Optional<Finding> evaluate(RankState rank, Verdict v, RuleSettings settings) {
    float loss = v.sample().loss();
    float grad = v.sample().gradNorm();
    int peers = v.peers();
    if (peers >= 1) {
      boolean lossAlone = !Float.isFinite(loss) && v.peersFiniteLoss() * 2 > peers;
      boolean gradAlone =
          v.sample().gradPublished() && !Float.isFinite(grad) && v.peersGrad() * 2 > peers;
      if (lossAlone || gradAlone) {
        return Optional.of(
            base(NONFINITE_ON_RANK, Double.NaN, rank, v)
                .put("value", lossAlone ? "loss" : "grad_norm")
                .put("loss", (double) loss)
                .put("grad_norm", v.sample().gradPublished() ? (double) grad : null)
                .put("peer_loss_median", finiteOrNull(v.peerLossMedian()))
                .put("peer_grad_norm_median", finiteOrNull(v.peerGradMedian()))
                .put("peers_finite", lossAlone ? v.peersFiniteLoss() : v.peersGrad())
                .put("peers", peers)
                .build());
      }
    }
    double z = settings.number(Z_SCORE);
    double floor = settings.number(RELATIVE_FLOOR);
    int minPeers = (int) settings.integer(MIN_PEERS);
    if (v.sample().gradPublished() && Float.isFinite(grad) && v.peersGrad() >= minPeers) {
      double dev = deviation(grad, v.peerGradMedian(), v.peerGradMad(), floor);
      double ratio = settings.number(GRAD_NORM_RATIO);
      if (dev >= z && farApart(grad, v.peerGradMedian(), ratio)) {
        return Optional.of(
            base(GRAD_NORM_OUTLIER, dev, rank, v)
                .put("value", "grad_norm")
                .put("grad_norm", (double) grad)
                .put("peer_median", v.peerGradMedian())
                .put("deviation", StragglerRankRule.round(dev))
                .put("peers", v.peersGrad())
                .build());
      }
    }
    if (Float.isFinite(loss) && v.peersFiniteLoss() >= minPeers) {
      double dev = deviation(loss, v.peerLossMedian(), v.peerLossMad(), floor);
      if (dev >= z) {
        return Optional.of(
            base(LOSS_OUTLIER, dev, rank, v)
                .put("value", "loss")
                .put("loss", (double) loss)
                .put("peer_median", v.peerLossMedian())
                .put("deviation", StragglerRankRule.round(dev))
                .put("peers", v.peersFiniteLoss())
                .build());
      }
    }
    return Optional.empty();
  }

  /**
   * {@code true} if this finding fires on its first step whatever {@code for_batches} says, {@code
   * false} otherwise.
   */
  public static boolean immediate(Finding f) {
    return NONFINITE_ON_RANK.equals(f.diagnosis());
  }

  private static Finding.Builder base(String diagnosis, double value, RankState rank, Verdict v) {
    return Finding.of(diagnosis, value)
        .put("rank", rank.rank())
        .put("host", rank.host())
        .put("device", rank.device())
        .put("at_step", v.step());
  }

  /** |value - median| in units of max(spread, floor x |median|). */
  static double deviation(double value, double median, double mad, double floor) {
    double scale =
        Math.max(Robust.MAD_TO_SIGMA * (Double.isNaN(mad) ? 0 : mad), floor * Math.abs(median));
    if (scale <= 0) {
      return value == median ? 0 : Double.POSITIVE_INFINITY;
    }
    return Math.abs(value - median) / scale;
  }

  /**
   * {@code true} if {@code value} is at least {@code ratio} times {@code median} or at most its
   * inverse (gradient norms are never negative: the ratio is the natural scale of their
   * batch-to-batch variation).
   */
  static boolean farApart(double value, double median, double ratio) {
    double hi = Math.max(Math.abs(value), Math.abs(median));
    double lo = Math.min(Math.abs(value), Math.abs(median));
    return hi >= ratio * lo;
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
