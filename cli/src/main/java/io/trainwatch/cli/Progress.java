package io.trainwatch.cli;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Progress of a long command made of {@code total} similar steps: {@code [i/N]} and an estimate of
 * the time left, from the mean time of the steps done so far (a rough figure when steps differ).
 *
 * <pre>{@code
 * Progress p = Progress.start(corpus.size());
 * ... System.out.println(p.step() + " " + what); // [3/24] 1 min 10 s elapsed, about 8 min left
 * }</pre>
 */
public final class Progress {

  private final int total;
  private final LongSupplier nanoTime;
  private final long startNanos;
  private int done;

  Progress(int total, LongSupplier nanoTime) {
    if (total < 1) {
      throw new IllegalArgumentException("total=" + total + ": must be >= 1");
    }
    this.total = total;
    this.nanoTime = nanoTime;
    this.startNanos = nanoTime.getAsLong();
  }

  /** Progress over {@code total} steps, timed from now. */
  public static Progress start(int total) {
    return new Progress(total, System::nanoTime);
  }

  /**
   * Marks one more step done and describes where things stand: {@code [i/N] <elapsed> elapsed,
   * about <left> left}. Thread-safe.
   */
  public synchronized String step() {
    done = Math.min(total, done + 1);
    Duration elapsed = Duration.ofNanos(nanoTime.getAsLong() - startNanos);
    String head = "[" + done + "/" + total + "] " + format(elapsed) + " elapsed";
    if (done == total) {
      return head + ", done";
    }
    Duration left = elapsed.multipliedBy(total - done).dividedBy(done);
    return head + ", about " + format(left) + " left";
  }

  /**
   * Announces the next step before it starts: {@code [i/N]} with the estimate from the steps done
   * so far ({@code estimating} before the first one is done). Thread-safe.
   */
  public synchronized String next() {
    int i = Math.min(total, done + 1);
    Duration elapsed = Duration.ofNanos(nanoTime.getAsLong() - startNanos);
    String head = "[" + i + "/" + total + "]";
    if (done == 0) {
      return head + " (time left: estimating)";
    }
    Duration left = elapsed.multipliedBy(total - done).dividedBy(done);
    return head + " (" + format(elapsed) + " elapsed, about " + format(left) + " left)";
  }

  /** Marks a step done without describing it (after {@link #next()}). */
  public synchronized void done() {
    done = Math.min(total, done + 1);
  }

  static String format(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return s / 60 + " min " + s % 60 + " s";
    }
    return s / 3600 + " h " + s % 3600 / 60 + " min";
  }
}
