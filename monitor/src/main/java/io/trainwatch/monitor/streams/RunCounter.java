package io.trainwatch.monitor.streams;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many runs this monitor instance holds, across its tasks, against the configured cap. Shared
 * by every {@link RunProcessor} of one topology.
 */
final class RunCounter {

  private final long max;
  private final AtomicLong runs = new AtomicLong();

  RunCounter(long max) {
    this.max = max;
  }

  /**
   * {@code true} if one more run fits (and is now counted), {@code false} if the instance is full.
   */
  boolean tryAdd() {
    while (true) {
      long n = runs.get();
      if (n >= max) {
        return false;
      }
      if (runs.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /**
   * Counts runs that arrived with a task's restored state (they are counted even beyond the cap).
   */
  void addRestored(long n) {
    runs.addAndGet(n);
  }

  /** Forgets {@code n} runs (evicted, or their task moved away). */
  void remove(long n) {
    runs.addAndGet(-n);
  }

  long current() {
    return runs.get();
  }

  long max() {
    return max;
  }
}
