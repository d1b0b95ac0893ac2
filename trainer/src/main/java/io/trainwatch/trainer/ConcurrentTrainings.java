package io.trainwatch.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Several {@link TrainingRun}s at once, each publishing to Kafka through a publisher of its own, as
 * separate trainer processes would: what the demo, the evaluation harness and the end-to-end tests
 * run.
 */
public final class ConcurrentTrainings {

  private ConcurrentTrainings() {}

  /**
   * Trains every spec, at most {@code parallelism} at a time, and returns their reports in the
   * order of {@code specs}; {@code onEach} hears of each report as its run finishes (from the run's
   * thread).
   *
   * @throws ExecutionException if a run threw (a training failure does not: its report says so)
   * @throws InterruptedException if interrupted while waiting; the runs still going are interrupted
   *     too
   */
  public static List<TrainingReport> run(
      List<TrainingSpec> specs,
      String bootstrapServers,
      int parallelism,
      Consumer<TrainingReport> onEach)
      throws InterruptedException, ExecutionException {
    return run(specs, bootstrapServers, parallelism, onEach, (s, b) -> b, java.time.Duration.ZERO);
  }

  /**
   * {@link #run(List, String, int, Consumer)} with more listener settings and a pause per step
   * ({@link TrainingRun#run(TrainingSpec, EventPublisher, java.util.function.BiFunction,
   * java.time.Duration)}).
   */
  public static List<TrainingReport> run(
      List<TrainingSpec> specs,
      String bootstrapServers,
      int parallelism,
      Consumer<TrainingReport> onEach,
      java.util.function.BiFunction<
              TrainingSpec, TrainwatchListener.Builder, TrainwatchListener.Builder>
          customize,
      java.time.Duration pausePerStep)
      throws InterruptedException, ExecutionException {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism=" + parallelism + ": must be >= 1");
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.min(parallelism, Math.max(1, specs.size())));
    try {
      List<Future<TrainingReport>> futures = new ArrayList<>();
      for (TrainingSpec spec : specs) {
        futures.add(
            pool.submit(
                () -> {
                  try (KafkaEventPublisher publisher =
                      KafkaEventPublisher.connect(bootstrapServers)) {
                    TrainingReport report =
                        TrainingRun.run(spec, publisher, customize, pausePerStep);
                    onEach.accept(report);
                    return report;
                  }
                }));
      }
      List<TrainingReport> reports = new ArrayList<>();
      for (Future<TrainingReport> f : futures) {
        reports.add(f.get());
      }
      return reports;
    } finally {
      pool.shutdownNow();
    }
  }
}
