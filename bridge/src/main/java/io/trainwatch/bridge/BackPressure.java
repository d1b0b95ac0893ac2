package io.trainwatch.bridge;

/**
 * When to stop reading alerts: consumption pauses once {@code maxPending} alerts wait in memory
 * (queued, backing off, parked) and resumes once half of them have gone out. Pure: the caller
 * pauses and resumes its consumer as told.
 */
final class BackPressure {

  /** What the consumer should do now. */
  enum Change {
    NONE,
    PAUSE,
    RESUME
  }

  private final int maxPending;
  private boolean paused;

  BackPressure(int maxPending) {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending=" + maxPending + ": must be >= 1");
    }
    this.maxPending = maxPending;
  }

  /**
   * The change for {@code pending} alerts in memory: {@link Change#PAUSE} whenever the limit is
   * reached (newly assigned partitions must be paused too), {@link Change#RESUME} once below half
   * of it while paused, else {@link Change#NONE}.
   */
  Change update(int pending) {
    if (pending >= maxPending) {
      paused = true;
      return Change.PAUSE;
    }
    if (paused && pending < Math.max(1, maxPending / 2)) {
      paused = false;
      return Change.RESUME;
    }
    return Change.NONE;
  }

  /** {@code true} while consumption is paused, {@code false} otherwise. */
  boolean paused() {
    return paused;
  }
}
