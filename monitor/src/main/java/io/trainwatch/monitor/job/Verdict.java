package io.trainwatch.monitor.job;

import io.trainwatch.schemas.util.Quantiles;

/**
 * One rank at one step, judged against the other ranks' reports of the same step. Steps are matched
 * by number, not by arrival: ranks replayed far apart, or on partitions processed at different
 * speeds, are compared on the same work. Absent values are NaN.
 *
 * @param logRatio ln(rank's work / median work of the peers)
 * @param sigma the peers' spread of ln(work) (MAD scaled to a standard deviation)
 * @param computeLogRatio ln(rank's compute / median compute of the peers), or NaN
 * @param computeSigma the peers' spread of ln(compute), or NaN
 * @param computeExcess (rank's compute - peers' median compute) / peers' median work
 * @param dataExcess (rank's data wait - peers' median data wait) / peers' median work
 * @param medianWorkMs the peers' median work, in ms
 * @param peers sampled ranks other than this one
 * @param peersFiniteLoss of them, how many had a finite loss
 * @param peerLossMedian median of the peers' finite losses
 * @param peerLossMad MAD of the peers' finite losses
 * @param peersGrad peers that published a finite gradient norm
 * @param peerGradMedian their median gradient norm
 * @param peerGradMad its MAD
 * @param peerLossFarthest the peer's finite loss farthest from the peers' median, or NaN: when it
 *     is as far out as an outlier, the step's losses are heavy-tailed and one rank's is not judged
 * @param peerGradFarthest the same for the gradient norms
 */
public record Verdict(
    long step,
    long tsMs,
    RankSample sample,
    double logRatio,
    double sigma,
    double computeLogRatio,
    double computeSigma,
    double computeExcess,
    double dataExcess,
    double medianWorkMs,
    int peers,
    int peersFiniteLoss,
    double peerLossMedian,
    double peerLossMad,
    int peersGrad,
    double peerGradMedian,
    double peerGradMad,
    double peerLossFarthest,
    double peerGradFarthest) {

  /** A verdict without the peers' farthest values (NaN: no peer is taken as an outlier). */
  public Verdict(
      long step,
      long tsMs,
      RankSample sample,
      double logRatio,
      double sigma,
      double computeLogRatio,
      double computeSigma,
      double computeExcess,
      double dataExcess,
      double medianWorkMs,
      int peers,
      int peersFiniteLoss,
      double peerLossMedian,
      double peerLossMad,
      int peersGrad,
      double peerGradMedian,
      double peerGradMad) {
    this(
        step,
        tsMs,
        sample,
        logRatio,
        sigma,
        computeLogRatio,
        computeSigma,
        computeExcess,
        dataExcess,
        medianWorkMs,
        peers,
        peersFiniteLoss,
        peerLossMedian,
        peerLossMad,
        peersGrad,
        peerGradMedian,
        peerGradMad,
        Double.NaN,
        Double.NaN);
  }

  /** Judges a rank's sample against the step's reports. */
  public static Verdict judge(int rank, RankSample s, StepStats step) {
    int peers = step.others(rank);
    double[] logWork = step.peers(step.workColumn(), rank, true);
    double logRatio = Double.NaN;
    double sigma = Double.NaN;
    double medianWork = Double.NaN;
    double computeExcess = Double.NaN;
    double dataExcess = Double.NaN;
    double computeLogRatio = Double.NaN;
    double computeSigma = Double.NaN;
    if (logWork.length > 0 && Float.isFinite(s.work()) && s.work() > 0) {
      double m = Quantiles.medianOfSorted(logWork);
      medianWork = Math.exp(m);
      logRatio = Math.log(s.work()) - m;
      sigma = Robust.MAD_TO_SIGMA * Robust.mad(logWork, m);
      double[] compute = step.peers(step.computeColumn(), rank, false);
      if (compute.length > 0 && Float.isFinite(s.computeMs())) {
        computeExcess = (s.computeMs() - Quantiles.medianOfSorted(compute)) / medianWork;
      }
      double[] logCompute = step.peers(step.computeColumn(), rank, true);
      if (logCompute.length > 0 && Float.isFinite(s.computeMs()) && s.computeMs() > 0) {
        double mc = Quantiles.medianOfSorted(logCompute);
        computeLogRatio = Math.log(s.computeMs()) - mc;
        computeSigma = Robust.MAD_TO_SIGMA * Robust.mad(logCompute, mc);
      }
      double[] data = step.peers(step.dataColumn(), rank, false);
      if (data.length > 0 && Float.isFinite(s.dataMs())) {
        dataExcess = (s.dataMs() - Quantiles.medianOfSorted(data)) / medianWork;
      }
    }
    double[] loss = step.peers(step.lossColumn(), rank, false);
    double lossMedian = Quantiles.medianOfSorted(loss);
    double[] grad = step.peers(step.gradColumn(), rank, false);
    double gradMedian = Quantiles.medianOfSorted(grad);
    return new Verdict(
        s.step(),
        s.tsMs(),
        s,
        logRatio,
        sigma,
        computeLogRatio,
        computeSigma,
        computeExcess,
        dataExcess,
        medianWork,
        peers,
        loss.length,
        lossMedian,
        loss.length == 0 ? Double.NaN : Robust.mad(loss, lossMedian),
        grad.length,
        gradMedian,
        grad.length == 0 ? Double.NaN : Robust.mad(grad, gradMedian),
        farthest(loss, lossMedian),
        farthest(grad, gradMedian));
  }

  /** The value of {@code sorted} farthest from {@code median} (its first or last), or NaN. */
  static double farthest(double[] sorted, double median) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double lo = sorted[0];
    double hi = sorted[sorted.length - 1];
    return median - lo > hi - median ? lo : hi;
  }
}
