package io.trainwatch.bench;

import io.trainwatch.bench.jmh.EventCodecBenchmark;
import io.trainwatch.bench.jmh.JsonParseBenchmark;
import io.trainwatch.bench.jmh.RunStateCodecBenchmark;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Version;

/**
 * Runs the JMH micro-benchmarks (each in a forked JVM, as JMH requires) and keeps their scores for
 * the report.
 */
public final class JmhSection {

  /**
   * One benchmark's score.
   *
   * @param benchmark {@code Class.method}
   * @param nsPerOp average time per operation
   * @param errorNs the 99.9% confidence half-interval JMH reports
   */
  public record Score(String benchmark, double nsPerOp, double errorNs) {}

  private JmhSection() {}

  /** Runs every benchmark of the listed classes with their annotated warm-up and measurement. */
  public static List<Score> run(List<Class<?>> benchmarks) {
    OptionsBuilder builder = new OptionsBuilder();
    benchmarks.forEach(c -> builder.include(c.getName().replace("$", "\\$") + "\\."));
    Options options = builder.verbosity(VerboseMode.SILENT).shouldFailOnError(true).build();
    Collection<RunResult> results;
    try {
      results = new Runner(options).run();
    } catch (RunnerException e) {
      throw new IllegalStateException("JMH failed: " + e.getMessage(), e);
    }
    List<Score> scores = new ArrayList<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      String shortName = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
      for (String param : r.getParams().getParamsKeys()) {
        shortName += " (" + param + "=" + r.getParams().getParam(param) + ")";
      }
      scores.add(
          new Score(
              shortName, r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()));
    }
    scores.sort(java.util.Comparator.comparing(Score::benchmark));
    return scores;
  }

  /**
   * How a benchmark class is run, from its JMH annotations, e.g. {@code "JMH 1.37, 1 fork, 3 × 1 s
   * warm-up, 5 × 1 s measurement"}.
   */
  public static String settings(Class<?> benchmark) {
    Fork fork = benchmark.getAnnotation(Fork.class);
    Warmup warmup = benchmark.getAnnotation(Warmup.class);
    Measurement measurement = benchmark.getAnnotation(Measurement.class);
    String version = Version.getPlainVersion();
    return "JMH "
        + (version == null ? "(unknown version)" : version)
        + ", "
        + (fork == null ? "default forks" : fork.value() + (fork.value() == 1 ? " fork" : " forks"))
        + ", "
        + (warmup == null
            ? "default warm-up"
            : warmup.iterations()
                + " × "
                + warmup.time()
                + " "
                + unit(warmup.timeUnit())
                + " warm-up")
        + ", "
        + (measurement == null
            ? "default measurement"
            : measurement.iterations()
                + " × "
                + measurement.time()
                + " "
                + unit(measurement.timeUnit())
                + " measurement");
  }

  private static String unit(TimeUnit unit) {
    return switch (unit) {
      case SECONDS -> "s";
      case MILLISECONDS -> "ms";
      default -> unit.name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** The suite's benchmarks. */
  public static List<Class<?>> all() {
    return List.of(
        EventCodecBenchmark.class, JsonParseBenchmark.class, RunStateCodecBenchmark.class);
  }
}
