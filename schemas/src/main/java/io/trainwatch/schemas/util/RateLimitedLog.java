package io.trainwatch.schemas.util;

/**
 * The one rate limit for log lines about something that may happen on every record or every step (a
 * rejected event, a dropped training event, a failing listener hook): a misbehaving producer or a
 * broken broker must not flood the log, and each line says how often it happened.
 *
 * <p>The first occurrence is always logged. After it, a line is due either when {@code interval}
 * milliseconds have passed since the last line ({@link #perInterval}), or on every {@code n}-th
 * occurrence counted from the first ({@link #firstThenEvery}: occurrences 1, n, 2n, ...). The
 * callback gets the number of occurrences so far and the number not logged since the last line.
 * Thread-safe; the line is written outside the lock. Free of any logging library, so that every
 * module (the trainer library included) can use it with its own logger.
 */
public final class RateLimitedLog {

  /** Writes one line. */
  @FunctionalInterface
  public interface Line {
    /**
     * @param occurrences occurrences so far, this one included
     * @param unlogged occurrences since the last line that were not logged
     */
    void write(long occurrences, long unlogged);
  }

  private final long intervalMs;
  private final long every;
  private long occurrences;
  private long unlogged;
  private long lastLineMs;

  private RateLimitedLog(long intervalMs, long every) {
    this.intervalMs = intervalMs;
    this.every = every;
  }

  /** At most one line per {@code intervalMs} milliseconds, the first occurrence logged. */
  public static RateLimitedLog perInterval(long intervalMs) {
    if (intervalMs < 1) {
      throw new IllegalArgumentException("intervalMs=" + intervalMs + ": must be >= 1");
    }
    return new RateLimitedLog(intervalMs, 0);
  }

  /** A line for the first occurrence, then for every {@code n}-th (n, 2n, 3n, ...). */
  public static RateLimitedLog firstThenEvery(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("n=" + n + ": must be >= 1");
    }
    return new RateLimitedLog(0, n);
  }

  /** Counts one occurrence, for a count-based limit; calls {@code line} if a line is due. */
  public void occurred(Line line) {
    occurred(0, line);
  }

  /** Counts one occurrence at {@code nowMs}; calls {@code line} if a line is due. */
  public void occurred(long nowMs, Line line) {
    long n;
    long skipped;
    synchronized (this) {
      n = ++occurrences;
      boolean due =
          n == 1
              || (every > 0 && n % every == 0)
              || (intervalMs > 0 && nowMs - lastLineMs >= intervalMs);
      if (!due) {
        unlogged++;
        return;
      }
      skipped = unlogged;
      unlogged = 0;
      lastLineMs = nowMs;
    }
    line.write(n, skipped);
  }

  /** " (and N more since the last message)", or nothing when none went unlogged. */
  public static String andMore(long unlogged) {
    return unlogged == 0 ? "" : " (and " + unlogged + " more since the last message)";
  }
}
