package io.trainwatch.bench;

/**
 * A read of a topic to its end.
 *
 * @param records records processed
 * @param steadyNs time from the first record processed to the last: the figure rates are computed
 *     from
 * @param totalNs time including startup (connecting, joining, initializing transactions)
 * @param cpuNs CPU time the reading threads (the consumer's caller, or the stream threads) used
 *     over {@code steadyNs}, or -1 when the JVM cannot measure it. Unlike the rate, it hardly
 *     depends on what else runs on the machine: on a shared machine it is the steadier yardstick of
 *     what one event costs
 * @param jvmCores cores this JVM used (all its threads: the reader, the in-process broker, the
 *     clients' I/O threads) over {@code steadyNs}, NaN when unknown
 * @param otherCores cores other processes on the machine used over the same time, NaN when unknown
 */
public record Throughput(
    long records, long steadyNs, long totalNs, long cpuNs, double jvmCores, double otherCores) {

  /** A read whose machine-wide CPU use was not measured. */
  public Throughput(long records, long steadyNs, long totalNs, long cpuNs) {
    this(records, steadyNs, totalNs, cpuNs, Double.NaN, Double.NaN);
  }

  /** Records per second, startup excluded. */
  public double recordsPerSecond() {
    return records / (steadyNs / 1e9);
  }

  /** Startup time: from creating the client to its first record, milliseconds. */
  public double startupMs() {
    return (totalNs - steadyNs) / 1e6;
  }

  /** CPU microseconds of the reading threads per record, or NaN when not measured. */
  public double cpuMicrosPerRecord() {
    return cpuNs < 0 || records == 0 ? Double.NaN : cpuNs / 1e3 / records;
  }

  /** Cores the reading threads used while they read (CPU time ÷ elapsed), NaN when unknown. */
  public double readerCores() {
    return cpuNs < 0 || steadyNs <= 0 ? Double.NaN : (double) cpuNs / steadyNs;
  }
}
