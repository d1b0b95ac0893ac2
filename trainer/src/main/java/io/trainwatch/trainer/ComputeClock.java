package io.trainwatch.trainer;

import io.trainwatch.schemas.WireName;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * What {@link TrainwatchListener} measures {@code compute_ms} with ({@link
 * TrainwatchListener.Builder#computeClock}). {@code step_ms} and {@code data_ms} are always wall
 * time.
 */
public enum ComputeClock implements WireName {
  /**
   * Wall time (the default): what a step's forward and backward pass took, whatever slowed it: the
   * right measure on an accelerator, and where a noisy neighbour's slowness must show.
   */
  WALL {
    @Override
    long nanos() {
      return System.nanoTime();
    }
  },
  /**
   * The training thread's CPU time: for training on the CPU (ND4J's native backend with one OpenMP
   * thread, so that the work runs on the training thread) on a host with more runnable threads than
   * cores, where a millisecond-long step's wall time mostly measures how long the scheduler kept
   * the thread waiting. A rank then reports its own work, not the host's load.
   */
  THREAD_CPU {
    @Override
    long nanos() {
      return THREADS.getCurrentThreadCpuTime();
    }
  };

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Now, in nanoseconds of this clock, on the calling thread (only differences mean anything). */
  abstract long nanos();

  /** {@code true} if this JVM can measure it, {@code false} otherwise. */
  public boolean supported() {
    return this == WALL || THREADS.isCurrentThreadCpuTimeSupported();
  }
}
