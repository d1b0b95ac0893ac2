package io.trainwatch.bench;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads {@code trainwatch.alerts} as a pager would ({@code read_committed}, from the end as it was
 * before the fleet started) while the fleet runs, and sorts every alert: expected (an injected
 * fault's job, host or probe run) or a false alarm (a healthy job), counting duplicates (the same
 * alert revision twice would break exactly-once). Each alert's latency runs from the event time of
 * the step it names (as the producer stamped it) to the moment this consumer returns it.
 */
final class FleetAlerts implements Runnable, AutoCloseable {

  /** Where an alert's latency is measured from, for the report. */
  enum From {
    STEP("event time of the step it names"),
    ONSET("event time of the fault's onset");

    final String text;

    From(String text) {
      this.text = text;
    }
  }

  /** Resolves what an alert is about; implemented by the section, which knows the fleet. */
  interface Classifier {
    /**
     * The event time the alert's latency is measured from, or 0 for an alert that is not about an
     * injected fault (a false alarm).
     */
    long eventTimeMs(Alert alert);

    /** How {@link #eventTimeMs} was found for this alert. */
    From from(Alert alert);

    /** Which latency figure the alert counts in: its rule, or a group of runs. */
    String bucket(Alert alert);

    /** The key an expected alert is recorded under (e.g. the job and rule), or null. */
    String expectation(Alert alert);
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Classifier classifier;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private final Thread thread;

  private final Map<String, Histogram> latencyByRule = new TreeMap<>();
  private final Map<String, From> fromByRule = new TreeMap<>();
  private final Map<String, Integer> firingByRule = new TreeMap<>();
  private final Map<String, Integer> falseAlarmsByRule = new TreeMap<>();
  private final Set<String> firstFiring = new HashSet<>();
  private final Set<String> revisions = new HashSet<>();
  private final Set<String> expectationsMet = ConcurrentHashMap.newKeySet();
  private final AtomicInteger duplicates = new AtomicInteger();
  private final AtomicInteger read = new AtomicInteger();

  FleetAlerts(String bootstrap, Classifier classifier) {
    this.classifier = classifier;
    this.consumer = TopicReading.committed(bootstrap);
    TopicReading.fromEnd(consumer, Topics.ALERTS);
    this.thread = new Thread(this, "fleet-alert-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void run() {
    try {
      while (!stop.get()) {
        var records = consumer.poll(Duration.ofMillis(50));
        long receivedMs = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          if (r.value() != null) {
            onAlert(AlertCodec.decode(r.value()), receivedMs);
          }
        }
      }
    } catch (RuntimeException e) {
      failure.set(e);
    }
  }

  private synchronized void onAlert(Alert alert, long receivedMs) {
    read.incrementAndGet();
    if (!revisions.add(alert.alertId() + "#" + alert.revision())) {
      duplicates.incrementAndGet();
      return;
    }
    if (!alert.firing() || !firstFiring.add(alert.alertId())) {
      return;
    }
    firingByRule.merge(alert.rule(), 1, Integer::sum);
    long from = classifier.eventTimeMs(alert);
    if (from == 0) {
      falseAlarmsByRule.merge(alert.rule(), 1, Integer::sum);
      return;
    }
    String key = classifier.expectation(alert);
    if (key != null) {
      expectationsMet.add(key);
    }
    String bucket = classifier.bucket(alert);
    latencyByRule
        .computeIfAbsent(bucket, k -> new Histogram(3_600_000L, 3))
        .recordValue(Math.max(0, Math.min(3_600_000L, receivedMs - from)));
    fromByRule.putIfAbsent(bucket, classifier.from(alert));
  }

  /** {@code true} once an alert met this expectation. */
  boolean met(String expectation) {
    return expectationsMet.contains(expectation);
  }

  /** The watcher's failure, or {@code null}. */
  Exception failure() {
    return failure.get();
  }

  synchronized Map<String, Histogram> latencyByRule() {
    Map<String, Histogram> copy = new TreeMap<>();
    latencyByRule.forEach((k, v) -> copy.put(k, v.copy()));
    return copy;
  }

  synchronized Map<String, From> fromByRule() {
    return new TreeMap<>(fromByRule);
  }

  synchronized Map<String, Integer> firingByRule() {
    return new TreeMap<>(firingByRule);
  }

  synchronized Map<String, Integer> falseAlarmsByRule() {
    return new TreeMap<>(falseAlarmsByRule);
  }

  int duplicates() {
    return duplicates.get();
  }

  int read() {
    return read.get();
  }

  @Override
  public void close() {
    stop.set(true);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      consumer.close();
    }
  }
}
