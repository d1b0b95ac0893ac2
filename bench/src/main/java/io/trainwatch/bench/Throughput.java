package io.trainwatch.bench;

/**
 * A read of a topic to its end.
 *
 * @param records records processed
 * @param steadyNs time from the first record processed to the last: the figure rates are computed
 *     from
 * @param totalNs time including startup (connecting, joining, initializing transactions)
 */
public record Throughput(long records, long steadyNs, long totalNs) {

  /** Records per second, startup excluded. */
  public double recordsPerSecond() {
    return records / (steadyNs / 1e9);
  }

  /** Startup time: from creating the client to its first record, milliseconds. */
  public double startupMs() {
    return (totalNs - steadyNs) / 1e6;
  }
}
