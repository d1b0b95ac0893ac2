package io.trainwatch.monitor.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.trainwatch.monitor.streams.TopologyMetrics;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.TrainingEvent;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The monitor's own meters, in Prometheus terms:
 *
 * <ul>
 *   <li>{@code trainwatch_events_read_total{type}}: valid events read ({@code batch}, {@code
 *       run_started}, {@code run_ended});
 *   <li>{@code trainwatch_events_dead_lettered_total{stage,reason}}: records sent to the
 *       dead-letter topic; the reason is the leading words of the reason header ({@code loss},
 *       {@code value}, {@code step}, {@code run_not_monitored}...), at most {@link #MAX_REASONS}
 *       distinct ones per stage, then {@code other};
 *   <li>{@code trainwatch_events_unknown_fields_total}: fields (or values of optional fields) a
 *       newer trainer sent that this monitor does not know, skipped in valid events; {@code
 *       trainwatch_runs_with_unknown_fields_total}: runs in which this instance first saw such
 *       fields (each is logged once, naming the fields). No run or field label: both are chosen by
 *       the writer and would make the series unbounded;
 *   <li>{@code trainwatch_alerts_total{rule,severity,status}}: alert emissions published;
 *   <li>{@code trainwatch_alert_latency_seconds}: from the event time of the batch that decided a
 *       firing alert to its publication (a histogram);
 *   <li>{@code trainwatch_runs_tracked}: runs this instance keeps state for.
 * </ul>
 *
 * Counting costs a few nanoseconds per event (a {@code LongAdder} increment): the lookups by tag
 * happen only for dead letters and alerts, which are rare.
 */
public final class MonitorMetrics implements TopologyMetrics {

  /** Distinct reason labels kept per stage: a label's values must stay few. */
  static final int MAX_REASONS = 64;

  private final MeterRegistry registry;
  private final Counter batches;
  private final Counter started;
  private final Counter ended;
  private final Timer latency;
  private final Counter unknownFields;
  private final Counter runsWithUnknownFields;
  private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
  private final Map<String, Counter> alerts = new ConcurrentHashMap<>();

  public MonitorMetrics(MeterRegistry registry) {
    this.registry = registry;
    batches = events("batch");
    started = events("run_started");
    ended = events("run_ended");
    unknownFields =
        Counter.builder("trainwatch.events.unknown.fields")
            .description(
                "Fields of valid events this monitor does not know (a newer trainer's), skipped")
            .register(registry);
    runsWithUnknownFields =
        Counter.builder("trainwatch.runs.with.unknown.fields")
            .description("Runs in which this instance first saw fields it does not know")
            .register(registry);
    latency =
        Timer.builder("trainwatch.alert.latency")
            .description("Event time of the batch that decided a firing alert to its publication")
            .serviceLevelObjectives(
                Duration.ofMillis(100),
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                Duration.ofMinutes(1),
                Duration.ofMinutes(5))
            .register(registry);
  }

  private Counter events(String type) {
    return Counter.builder("trainwatch.events.read")
        .description("Valid events read from the events topic")
        .tag("type", type)
        .register(registry);
  }

  @Override
  public void eventRead(TrainingEvent event) {
    if (event instanceof BatchEvent) {
      batches.increment();
    } else if (event instanceof RunStarted) {
      started.increment();
    } else {
      ended.increment();
    }
  }

  @Override
  public void unknownFieldsSkipped(String runId, int skipped, boolean firstOfRun) {
    unknownFields.increment(skipped);
    if (firstOfRun) {
      runsWithUnknownFields.increment();
    }
  }

  @Override
  public void deadLettered(String stage, String reason) {
    String label = reasonLabel(reason);
    String key = stage + '\u0000' + label;
    Counter c = deadLetters.get(key);
    if (c == null) {
      if (!label.equals("other") && reasonsOf(stage) >= MAX_REASONS) {
        deadLettered(stage, "other:");
        return;
      }
      c =
          deadLetters.computeIfAbsent(
              key,
              k ->
                  Counter.builder("trainwatch.events.dead.lettered")
                      .description("Records sent to the dead-letter topic, by stage and reason")
                      .tag("stage", stage)
                      .tag("reason", label)
                      .register(registry));
    }
    c.increment();
  }

  private long reasonsOf(String stage) {
    String prefix = stage + '\u0000';
    return deadLetters.keySet().stream().filter(k -> k.startsWith(prefix)).count();
  }

  @Override
  public void alertEmitted(Alert alert, long latencyMs) {
    String key = alert.rule() + '\u0000' + alert.severity().wire() + '\u0000' + alert.status();
    alerts
        .computeIfAbsent(
            key,
            k ->
                Counter.builder("trainwatch.alerts")
                    .description("Alert emissions published, by rule, severity and status")
                    .tag("rule", alert.rule())
                    .tag("severity", alert.severity().wire())
                    .tag("status", alert.status().wire())
                    .register(registry))
        .increment();
    if (alert.firing()) {
      latency.record(latencyMs, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void runsTracked(LongSupplier runs) {
    Gauge.builder("trainwatch.runs.tracked", runs, r -> (double) r.getAsLong())
        .description("Runs this monitor instance keeps state for")
        .strongReference(true)
        .register(registry);
  }

  /**
   * The label of a dead letter's reason: its leading words, before any value, quote or colon, in
   * snake case ({@code "step 12: repeats ..."} is {@code step}, {@code "run not monitored: ..."} is
   * {@code run_not_monitored}); {@code other} when nothing is left.
   */
  static String reasonLabel(String reason) {
    if (reason == null) {
      return "other";
    }
    int end = 0;
    while (end < reason.length() && end < 48) {
      char c = reason.charAt(end);
      if (!(Character.isLetter(c) || c == '_' || c == '.' || c == ' ')) {
        break;
      }
      end++;
    }
    String words =
        reason.substring(0, end).trim().toLowerCase(Locale.ROOT).replaceAll("[ .]+", "_");
    words = words.replaceAll("^_+|_+$", "");
    return words.isEmpty() || !words.chars().allMatch(c -> c < 128) ? "other" : words;
  }
}
