package io.trainwatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Where some threads' wall-clock time goes, sampled every {@code PERIOD_MS} from their states and
 * stacks: running, waiting for an exactly-once commit's writes (blocked in the producer's flush or
 * commit), or waiting otherwise (polling, idle). CPU time alone cannot tell a thread that waits
 * from one that is starved of CPU; this can.
 */
final class ThreadStates implements AutoCloseable {

  static final long PERIOD_MS = 50;
  static final String RUNNING = "running (or runnable, waiting for a core)";
  static final String COMMIT = "blocked in a commit (producer flush, transaction)";
  static final String OTHER = "waiting otherwise (poll, idle)";

  private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
  private final Predicate<String> names;
  private final Map<String, Integer> counts = new TreeMap<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread thread;

  ThreadStates(Predicate<String> names) {
    this.names = names;
    this.thread = new Thread(this::loop, "bench-thread-states");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (!stop.get()) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (!names.test(t.getName())) {
          continue;
        }
        ThreadInfo info = mx.getThreadInfo(t.getId(), 24);
        if (info != null) {
          add(classify(info));
        }
      }
      CatchUp.sleep(java.time.Duration.ofMillis(PERIOD_MS));
    }
  }

  static String classify(ThreadInfo info) {
    for (StackTraceElement e : info.getStackTrace()) {
      String c = e.getClassName();
      String m = e.getMethodName();
      if ((c.endsWith("KafkaProducer") && (m.equals("flush") || m.equals("commitTransaction")))
          || c.endsWith("TransactionalRequestResult")) {
        return COMMIT;
      }
    }
    return info.getThreadState() == Thread.State.RUNNABLE ? RUNNING : OTHER;
  }

  private synchronized void add(String state) {
    counts.merge(state, 1, Integer::sum);
  }

  /** The share of samples in each state. */
  synchronized Map<String, Double> shares() {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    Map<String, Double> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, total == 0 ? 0 : (double) v / total));
    return out;
  }

  @Override
  public void close() {
    stop.set(true);
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
