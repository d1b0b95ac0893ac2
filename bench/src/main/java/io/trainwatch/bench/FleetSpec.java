package io.trainwatch.bench;

/**
 * The shape of a simulated fleet.
 *
 * @param runIdPrefix prefix of every run id, so fleets generated in one broker never share a run
 * @param runs number of concurrent runs
 * @param faultyFraction share of runs with a fault, in [0, 1]
 * @param seed everything generated is a pure function of the spec: same seed, same events
 */
public record FleetSpec(String runIdPrefix, int runs, double faultyFraction, long seed) {

  public FleetSpec {
    if (runIdPrefix == null || runIdPrefix.isEmpty()) {
      throw new IllegalArgumentException("runIdPrefix: must not be empty");
    }
    if (runs < 1) {
      throw new IllegalArgumentException("runs=" + runs + ": must be >= 1");
    }
    if (!(faultyFraction >= 0 && faultyFraction <= 1)) {
      throw new IllegalArgumentException(
          "faultyFraction=" + faultyFraction + ": must be in [0, 1]");
    }
  }
}
