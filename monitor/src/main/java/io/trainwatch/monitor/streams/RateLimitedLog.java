package io.trainwatch.monitor.streams;

import java.util.function.LongConsumer;

/**
 * At most one log line per interval about something that may happen on every record (a rejected
 * event, a dropped run): a misbehaving producer must not flood the log, and the line says how many
 * went unlogged since the last. Not thread-safe: one per processor.
 */
final class RateLimitedLog {

  private final long intervalMs;
  // Not Long.MIN_VALUE: now - MIN_VALUE overflows to a negative number and the first line would
  // never come.
  private long lastLogMs;
  private long unlogged;

  RateLimitedLog(long intervalMs) {
    this.intervalMs = intervalMs;
    this.lastLogMs = -intervalMs;
  }

  /**
   * Counts one occurrence at {@code nowMs}; if a line is due, calls {@code log} with the number of
   * occurrences not logged since the last line.
   */
  void occurred(long nowMs, LongConsumer log) {
    if (nowMs - lastLogMs >= intervalMs) {
      log.accept(unlogged);
      lastLogMs = nowMs;
      unlogged = 0;
    } else {
      unlogged++;
    }
  }

  /** " (and N more since the last message)", or nothing when none went unlogged. */
  static String andMore(long unlogged) {
    return unlogged == 0 ? "" : " (and " + unlogged + " more since the last message)";
  }
}
