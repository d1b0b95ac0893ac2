package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A fleet of runs whose alerts are known in advance: the yardstick of the crash and failover tests.
 *
 * <p>Each run follows one pattern, chosen round-robin:
 *
 * <ul>
 *   <li>{@link Pattern#NEGATIVE_LOSS}: healthy, then from {@link #badFromStep} a negative loss on
 *       every batch. The {@code negative_loss} alert fires on the {@code for_batches}-th such batch
 *       and resolves when the run ends: two emissions.
 *   <li>{@link Pattern#NON_FINITE}: one NaN loss at {@link #badFromStep}, healthy before and after.
 *       {@code nonfinite_loss} fires at once and resolves after {@link #RESOLVE_AFTER} clear
 *       batches: two emissions.
 *   <li>{@link Pattern#HEALTHY}: nothing to say: no emission.
 * </ul>
 *
 * Every other rule is switched off per run (run_started {@code rules}), so rules added later cannot
 * change the expected alerts. Event times are fixed when the scenario is made, so a replay produces
 * identical alerts.
 */
final class AlertScenario {

  enum Pattern {
    NEGATIVE_LOSS,
    NON_FINITE,
    HEALTHY
  }

  /** Clear batches after which a firing {@code nonfinite_loss} resolves (set per run). */
  static final int RESOLVE_AFTER = 5;

  private final List<String> runIds = new ArrayList<>();
  private final Map<String, Pattern> patterns = new LinkedHashMap<>();
  private final int steps;
  private final int badFromStep;
  private final int forBatches;

  /**
   * Event time of the stream's start: now, not a fixed date. Alerts carry the event time, and the
   * broker deletes records older than the topic's retention (7 days) and refuses records more than
   * an hour in the future.
   */
  private final long t0 = System.currentTimeMillis() - 60_000;

  /**
   * @param runs number of runs
   * @param steps batches per run (steps 0 .. steps-1)
   * @param badFromStep first step of the anomaly
   * @param forBatches the {@code negative_loss} pending period, in batches
   */
  AlertScenario(String prefix, int runs, int steps, int badFromStep, int forBatches) {
    if (badFromStep + Math.max(forBatches, RESOLVE_AFTER + 1) > steps) {
      throw new IllegalArgumentException(
          "steps=" + steps + ": too few for the anomaly to fire and resolve");
    }
    Pattern[] all = Pattern.values();
    for (int i = 0; i < runs; i++) {
      String id = prefix + "-run-" + i;
      runIds.add(id);
      patterns.put(id, all[i % all.length]);
    }
    this.steps = steps;
    this.badFromStep = badFromStep;
    this.forBatches = forBatches;
  }

  List<String> runIds() {
    return List.copyOf(runIds);
  }

  Pattern pattern(String runId) {
    return patterns.get(runId);
  }

  int steps() {
    return steps;
  }

  int badFromStep() {
    return badFromStep;
  }

  /** The step at which {@code negative_loss} fires for a {@link Pattern#NEGATIVE_LOSS} run. */
  int negativeFiringStep() {
    return badFromStep + forBatches - 1;
  }

  List<TrainingEvent> starts() {
    List<TrainingEvent> out = new ArrayList<>();
    for (String id : runIds) {
      out.add(runStarted(id));
    }
    return out;
  }

  /** Every run's batch at one step, in run order. */
  List<TrainingEvent> batchesAt(int step) {
    List<TrainingEvent> out = new ArrayList<>();
    for (String id : runIds) {
      out.add(batch(id, step));
    }
    return out;
  }

  /**
   * The batches of steps {@code from} (inclusive) to {@code to} (exclusive), step by step across
   * runs.
   */
  List<TrainingEvent> batches(int from, int to) {
    List<TrainingEvent> out = new ArrayList<>();
    for (int s = from; s < to; s++) {
      out.addAll(batchesAt(s));
    }
    return out;
  }

  List<TrainingEvent> ends() {
    List<TrainingEvent> out = new ArrayList<>();
    for (String id : runIds) {
      out.add(new RunEnded(id, ts(steps), RunStatus.COMPLETED, null));
    }
    return out;
  }

  /** The whole stream: starts, every step, ends. */
  List<TrainingEvent> all() {
    List<TrainingEvent> out = new ArrayList<>(starts());
    out.addAll(batches(0, steps));
    out.addAll(ends());
    return out;
  }

  /**
   * The emissions the monitor must publish for the whole stream, by event id (alert id + revision).
   */
  Map<String, AlertStatus> expectedEmissions() {
    Map<String, AlertStatus> out = new TreeMap<>();
    for (String id : runIds) {
      String rule =
          switch (patterns.get(id)) {
            case NEGATIVE_LOSS -> RuleId.NEGATIVE_LOSS.id();
            case NON_FINITE -> RuleId.NONFINITE_LOSS.id();
            case HEALTHY -> null;
          };
      if (rule != null) {
        out.put(id + "/" + rule + "#1", AlertStatus.FIRING);
        out.put(id + "/" + rule + "#2", AlertStatus.RESOLVED);
      }
    }
    return out;
  }

  /** The emission key of an alert, comparable with {@link #expectedEmissions()}. */
  static String emissionKey(Alert a) {
    return a.alertId() + "#" + a.revision();
  }

  /**
   * The alerts on {@code trainwatch.alerts}, read from the beginning ({@code read_committed}), once
   * at least as many as {@linkplain #expectedEmissions() expected} have arrived and nothing more
   * for {@code quiet}, or what there is after {@code timeout} (the caller's assertions say what is
   * missing).
   */
  List<Alert> readAlerts(Map<String, Object> client, Duration quiet, Duration timeout) {
    int expected = expectedEmissions().size();
    return KafkaFixtures.alerts(
        KafkaFixtures.readAll(client, Topics.ALERTS, r -> r.size() >= expected, quiet, timeout));
  }

  /** How many distinct emissions {@code alerts} hold. */
  static long distinctEmissions(List<Alert> alerts) {
    return alerts.stream().map(AlertScenario::emissionKey).distinct().count();
  }

  /**
   * Exactly once, as the reliability tests mean it: {@code alerts} (read with read_committed) hold
   * every {@linkplain #expectedEmissions() expected emission} once, none twice and nothing else,
   * and every {@code negative_loss} alert fired at {@link #negativeFiringStep()} (had a run's
   * pending count been lost in a move or a restart, it would have counted the bad batches afresh
   * and fired later).
   */
  void assertExactlyOnce(List<Alert> alerts) {
    Map<String, Long> counts =
        alerts.stream()
            .collect(
                Collectors.groupingBy(
                    AlertScenario::emissionKey, TreeMap::new, Collectors.counting()));
    assertThat(counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
        .as("alert emissions seen more than once")
        .isEmpty();
    Map<String, AlertStatus> statuses =
        alerts.stream()
            .collect(
                Collectors.toMap(
                    AlertScenario::emissionKey, Alert::status, (x, y) -> x, TreeMap::new));
    assertThat(statuses)
        .as("every expected alert emission, exactly once, nothing else")
        .isEqualTo(expectedEmissions());
    assertThat(alerts)
        .filteredOn(a -> a.firing() && a.rule().equals("negative_loss"))
        .extracting(Alert::step)
        .containsOnly((long) negativeFiringStep());
  }

  private RunStarted runStarted(String id) {
    Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
    for (RuleId r : RuleId.values()) {
      if (r != RuleId.NEGATIVE_LOSS && r != RuleId.NONFINITE_LOSS) {
        rules.put(r.id(), Map.of("enabled", false));
      }
    }
    rules.put(RuleId.NEGATIVE_LOSS.id(), Map.of("for_batches", (long) forBatches));
    rules.put(RuleId.NONFINITE_LOSS.id(), Map.of("resolve_after_batches", (long) RESOLVE_AFTER));
    return new RunStarted(
        id,
        ts(-1),
        "dl4j",
        "reliability",
        "test-host",
        0,
        "mlp 64-32-4",
        Map.of("suite", "rel"),
        4,
        new InputRange(0, 1),
        new LossDescriptor("LossMCXENT", InputKind.PROBABILITIES, "softmax", 0.0),
        rules);
  }

  BatchEvent batch(String id, int step) {
    double loss = 1.2 - 0.005 * step;
    Pattern p = patterns.get(id);
    if (p == Pattern.NEGATIVE_LOSS && step >= badFromStep) {
      loss = -0.25;
    } else if (p == Pattern.NON_FINITE && step == badFromStep) {
      loss = Double.NaN;
    }
    return new BatchEvent(
        id,
        ts(step),
        step,
        0,
        32,
        loss,
        new Stats(0.0, 1.0, 0.47, 0.28, 0, 2048, null, null),
        new Stats(0.05, 0.8, 0.25, 0.15, 0, 128, 1.0, 1e-7),
        new Predictions(0.4, 0.9),
        0.7,
        0.01,
        10.0);
  }

  private long ts(int step) {
    return t0 + 1_000L * (step + 1);
  }
}
