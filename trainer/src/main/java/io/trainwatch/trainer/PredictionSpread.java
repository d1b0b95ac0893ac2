package io.trainwatch.trainer;

import io.trainwatch.schemas.Predictions;

/** Turns a histogram of predicted classes into {@link Predictions}. */
final class PredictionSpread {

  private PredictionSpread() {}

  /**
   * @param classCounts how many rows predicted each class; its length is the number of classes (>=
   *     2)
   * @param rows the number of rows (>= 1)
   */
  static Predictions of(int[] classCounts, int rows) {
    int top = 0;
    double entropy = 0;
    for (int count : classCounts) {
      top = Math.max(top, count);
      if (count > 0) {
        double p = (double) count / rows;
        entropy -= p * Math.log(p);
      }
    }
    double normalized = entropy / Math.log(classCounts.length);
    // Rounding can push a uniform histogram a hair above 1 (or an empty one a hair below 0).
    return new Predictions((double) top / rows, Math.min(1, Math.max(0, normalized)));
  }
}
