package io.trainwatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The child processes this JVM started and must not leave behind: a monitor the takeover bench
 * runs, the monitor or bridge a test runs in a JVM of its own, a Python training. Each {@link
 * #register registered} process (and whatever it started in turn) is stopped when this JVM exits,
 * by a shutdown hook, if it is still running then: a test that fails (or a command stopped with
 * Ctrl-C) between starting a child and stopping it leaves nothing running. The owner still stops
 * its child as soon as it is done with it ({@link #stop}); the hook is the safety net.
 */
public final class ChildProcesses {

  /** How long a child may take to exit after SIGTERM before it gets SIGKILL. */
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ChildProcesses::stopAll, "stop-child-processes"));
  }

  private ChildProcesses() {}

  /** Stops {@code process} when this JVM exits if it runs then; returns it. */
  public static Process register(Process process) {
    LIVE.add(process);
    process.onExit().thenRun(() -> LIVE.remove(process));
    return process;
  }

  /**
   * SIGTERM to the process and the processes it started, then SIGKILL to whichever still runs after
   * {@code grace}.
   *
   * @return {@code true} if the process exited within the grace, {@code false} if it was killed
   */
  public static boolean stop(Process process, Duration grace) {
    return stop(List.of(process), grace);
  }

  private static boolean stop(List<Process> processes, Duration grace) {
    // Their children first collected: once a parent is gone, its children are no longer its
    // descendants.
    List<ProcessHandle> all = new ArrayList<>();
    for (Process p : processes) {
      p.descendants().forEach(all::add);
      all.add(p.toHandle());
    }
    all.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    boolean clean = true;
    for (ProcessHandle h : all) {
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        h.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        clean = false;
        break;
      } catch (Exception e) {
        clean = false;
      }
    }
    if (!clean) {
      all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
      for (Process p : processes) {
        try {
          p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    return clean;
  }

  /** The shutdown hook: every registered child still running, stopped at once. */
  private static void stopAll() {
    List<Process> running = LIVE.stream().filter(Process::isAlive).toList();
    if (!running.isEmpty()) {
      System.err.println(
          "stopping "
              + running.size()
              + " child process(es) left running: pids "
              + running.stream().map(p -> String.valueOf(p.pid())).toList());
      stop(running, DEFAULT_GRACE);
    }
  }
}
