package io.trainwatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Who used the machine's CPU while a section ran: this benchmark (its JVM and the child JVMs it
 * waited for) or other processes. On a shared machine the second figure says whether a section's
 * timings were disturbed. Read from {@code /proc/stat} and {@code /proc/self/stat}; {@link
 * #available()} is false elsewhere.
 */
public final class CpuUsage {

  /** A share of the machine above which a section's absolute figures are called disturbed. */
  static final double DISTURBED_OTHERS = 0.20;

  /**
   * A point in time.
   *
   * @param totalTicks every CPU tick of every core since boot (idle included), or -1 when unknown
   * @param busyTicks ticks not idle and not waiting for I/O
   * @param ownTicks ticks of this process and its reaped children
   */
  public record Snapshot(
      long nanoTime, long totalTicks, long busyTicks, long ownTicks, double loadAverage1m) {}

  /**
   * What happened between two snapshots.
   *
   * @param section what ran
   * @param own share of the whole machine (all cores) this benchmark used, in [0, 1]
   * @param others share of the whole machine other processes used, in [0, 1]
   * @param loadAverage1m the 1-minute load average at the end
   */
  public record Share(
      String section, Duration elapsed, double own, double others, double loadAverage1m) {

    /** Whether other work took enough of the machine to distort this section's absolute figures. */
    public boolean disturbed() {
      return others > DISTURBED_OTHERS;
    }
  }

  private CpuUsage() {}

  /** Whether this platform exposes the counters. */
  public static boolean available() {
    return Files.isReadable(Path.of("/proc/stat")) && Files.isReadable(Path.of("/proc/self/stat"));
  }

  /**
   * The machine's cores as {@code /proc/stat} counts them (its shares are of all of them), or the
   * processors available to the JVM when it cannot be read.
   */
  public static int machineCores() {
    try {
      long n =
          Files.readAllLines(Path.of("/proc/stat")).stream()
              .filter(l -> l.length() > 3 && l.startsWith("cpu") && Character.isDigit(l.charAt(3)))
              .count();
      if (n > 0) {
        return (int) n;
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: fall back.
    }
    return Runtime.getRuntime().availableProcessors();
  }

  /** The counters now. */
  public static Snapshot take() {
    long total = -1;
    long busy = -1;
    long own = -1;
    double load = -1;
    try {
      // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is already in
      // user)
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
      total = 0;
      for (int i = 1; i <= 8 && i < cpu.length; i++) {
        total += Long.parseLong(cpu[i]);
      }
      busy = total - idle;
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // Fields after the command name (which may contain spaces): state is field 3, utime 14 ...
      // cstime 17.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      own =
          Long.parseLong(f[11])
              + Long.parseLong(f[12])
              + Long.parseLong(f[13])
              + Long.parseLong(f[14]);
      load = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // Not Linux, or /proc is hidden: the report says "unknown".
    }
    return new Snapshot(System.nanoTime(), total, busy, own, load);
  }

  /**
   * The machine's use between {@code from} and {@code to}, or {@code null} when the counters are
   * missing.
   */
  public static Share between(String section, Snapshot from, Snapshot to) {
    Duration elapsed = Duration.ofNanos(to.nanoTime() - from.nanoTime());
    long total = to.totalTicks() - from.totalTicks();
    if (from.totalTicks() < 0 || to.totalTicks() < 0 || from.ownTicks() < 0 || total <= 0) {
      return null;
    }
    double busy = (double) (to.busyTicks() - from.busyTicks()) / total;
    double own = Math.min(busy, (double) (to.ownTicks() - from.ownTicks()) / total);
    return new Share(section, elapsed, own, Math.max(0, busy - own), to.loadAverage1m());
  }
}
