package io.trainwatch.bench;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.InvalidEventException;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.simulator.RunProfile;
import io.trainwatch.simulator.SimulatedRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Item 2: time from a trainer's send of the batch that triggers an alert to that alert being
 * readable by a {@code read_committed} consumer, under a steady background load of healthy runs.
 *
 * <p>Faulty runs are injected at an even pace during each measurement window; each sends a batch
 * every {@link Settings#faultStep} until its first alert arrives. The alert names its run and step,
 * so the latency is measured from the send of exactly the batch that made the rule fire, whatever
 * the rule's patience. The monitor must already be running on the broker and have created {@link
 * Topics#ALERTS}.
 */
public final class LatencyBench {

  /**
   * How the test is run.
   *
   * @param backgroundRuns healthy runs sharing the background load
   * @param eventsPerSecond background load, events per second over all healthy runs
   * @param warmup background only, before the first window (JIT, run_started of every background
   *     run)
   * @param window length of one measurement window (a repetition)
   * @param windows number of windows
   * @param faultsPerWindow faulty runs injected per window
   * @param faultStep time between two batches of a faulty run
   * @param maxFaultSteps batches a faulty run sends before it counts as missed
   */
  public record Settings(
      int backgroundRuns,
      double eventsPerSecond,
      Duration warmup,
      Duration window,
      int windows,
      int faultsPerWindow,
      Duration faultStep,
      int maxFaultSteps,
      long seed) {

    public Settings {
      if (backgroundRuns < 1
          || eventsPerSecond <= 0
          || windows < 1
          || faultsPerWindow < 1
          || maxFaultSteps < 1) {
        throw new IllegalArgumentException(
            "backgroundRuns, eventsPerSecond, windows, faultsPerWindow and "
                + "maxFaultSteps must be positive");
      }
    }
  }

  /**
   * The outcome.
   *
   * @param perWindow latency percentiles of each window that saw at least one alert
   * @param pooled percentiles over every sample of every window
   * @param injected faulty runs injected
   * @param missed faulty runs whose first alert never came
   * @param healthyRunsAlerted background (healthy) runs that got an alert: false positives
   * @param achievedEventsPerSecond the background rate actually sent
   * @param byProfile pooled percentiles per fault kind
   * @param uncommitted pooled percentiles of the same alerts seen by a {@code read_uncommitted}
   *     consumer: written to the log, transaction not yet committed; the difference is the
   *     exactly-once commit wait
   */
  public record Result(
      List<Percentiles> perWindow,
      Percentiles pooled,
      int injected,
      int missed,
      int healthyRunsAlerted,
      double achievedEventsPerSecond,
      Map<RunProfile, Percentiles> byProfile,
      Percentiles uncommitted) {

    /** Per-window p99s, summarized: the repetition spread of the headline figure. */
    public Summary p99OverWindows() {
      return Summary.of(perWindow.stream().mapToDouble(Percentiles::p99Ms).toArray());
    }

    /** Per-window p50s, summarized. */
    public Summary p50OverWindows() {
      return Summary.of(perWindow.stream().mapToDouble(Percentiles::p50Ms).toArray());
    }
  }

  /**
   * Producer settings of the simulated trainers: Kafka's defaults (linger.ms=5), lz4 like the
   * pre-load.
   */
  static Map<String, Object> trainerProducerConfig(String bootstrapServers) {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
  }

  private LatencyBench() {}

  /** Runs the test against the monitor already running on {@code bootstrapServers}. */
  public static Result run(String bootstrapServers, Settings s) {
    Map<String, FaultRun> faults = new ConcurrentHashMap<>();
    Set<String> healthyAlerted = ConcurrentHashMap.newKeySet();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Exception> watcherFailure = new AtomicReference<>();
    AlertWatcher watcher =
        new AlertWatcher(bootstrapServers, true, faults, healthyAlerted, stop, watcherFailure);
    AlertWatcher early =
        new AlertWatcher(bootstrapServers, false, faults, healthyAlerted, stop, watcherFailure);
    watcher.seekToEnd();
    early.seekToEnd();
    Thread watcherThread = new Thread(watcher, "bench-alert-watcher");
    Thread earlyThread = new Thread(early, "bench-alert-watcher-uncommitted");
    watcherThread.start();
    earlyThread.start();
    List<List<FaultRun>> injectedPerWindow = new ArrayList<>();
    long backgroundSent;
    double elapsedS;
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            trainerProducerConfig(bootstrapServers),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer.partitionsFor(Topics.EVENTS);
      Background background =
          new Background(new Fleet(new FleetSpec("bg", s.backgroundRuns(), 0, s.seed())));
      long start = System.nanoTime();
      long windowsStart = start + s.warmup().toNanos();
      long end = windowsStart + s.window().toNanos() * s.windows();
      List<FaultRun> active = new ArrayList<>();
      long stepNs = s.faultStep().toNanos();
      long injectEveryNs = s.window().toNanos() / s.faultsPerWindow();
      int nextFault = 0;
      int totalFaults = s.windows() * s.faultsPerWindow();
      List<SimulatedRun> faultRuns =
          new Fleet(new FleetSpec("fault", totalFaults, 1.0, s.seed() + 1)).runs();
      for (int w = 0; w < s.windows(); w++) {
        injectedPerWindow.add(new ArrayList<>());
      }
      long now;
      // The background keeps going until the last faulty run is done: every alert is measured under
      // load.
      while ((now = System.nanoTime()) < end || !active.isEmpty()) {
        long due = (long) ((now - start) / 1e9 * s.eventsPerSecond());
        while (background.sent < due) {
          send(producer, background.next());
        }
        while (nextFault < totalFaults && now >= windowsStart + nextFault * injectEveryNs) {
          FaultRun f = new FaultRun(faultRuns.get(nextFault), s.maxFaultSteps(), now);
          faults.put(f.run.runId(), f);
          injectedPerWindow.get(nextFault / s.faultsPerWindow()).add(f);
          send(producer, f.run.started(System.currentTimeMillis()));
          active.add(f);
          nextFault++;
        }
        for (int i = active.size() - 1; i >= 0; i--) {
          FaultRun f = active.get(i);
          if (f.alertedAtNs != 0 || f.run.nextStep() >= s.maxFaultSteps()) {
            if (f.alertedAtNs == 0 && now < f.nextDueNs + Duration.ofSeconds(5).toNanos()) {
              continue; // its last batches may still be in flight: give the alert time to arrive
            }
            active.remove(i);
          } else if (now >= f.nextDueNs) {
            int step = (int) f.run.nextStep();
            TrainingEvent batch = f.run.nextBatch(System.currentTimeMillis());
            f.sentNs.set(step, System.nanoTime());
            send(producer, batch);
            f.nextDueNs += stepNs;
          }
        }
        if (watcherFailure.get() != null) {
          throw new IllegalStateException(
              "alert watcher failed: " + watcherFailure.get().getMessage(), watcherFailure.get());
        }
        LockSupport.parkNanos(200_000);
      }
      backgroundSent = background.sent;
      elapsedS = (System.nanoTime() - start) / 1e9;
    } finally {
      stop.set(true);
      try {
        watcherThread.join(Duration.ofSeconds(10).toMillis());
        earlyThread.join(Duration.ofSeconds(10).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return summarize(injectedPerWindow, healthyAlerted.size(), backgroundSent / elapsedS);
  }

  private static void send(KafkaProducer<String, byte[]> producer, TrainingEvent e) {
    producer.send(
        new ProducerRecord<>(Topics.EVENTS, null, e.tsMs(), e.runId(), EventCodec.encode(e)));
  }

  private static Result summarize(
      List<List<FaultRun>> perWindow, int healthyAlerted, double achievedRate) {
    List<Percentiles> windows = new ArrayList<>();
    List<Long> all = new ArrayList<>();
    List<Long> uncommitted = new ArrayList<>();
    Map<RunProfile, List<Long>> byProfile = new HashMap<>();
    int injected = 0;
    int missed = 0;
    for (List<FaultRun> window : perWindow) {
      List<Long> samples = new ArrayList<>();
      for (FaultRun f : window) {
        injected++;
        if (f.latencyNs < 0) {
          missed++;
        } else {
          samples.add(f.latencyNs);
          if (f.uncommittedLatencyNs >= 0) {
            uncommitted.add(f.uncommittedLatencyNs);
          }
          byProfile.computeIfAbsent(f.run.profile(), p -> new ArrayList<>()).add(f.latencyNs);
        }
      }
      if (!samples.isEmpty()) {
        windows.add(Percentiles.ofNanos(samples.stream().mapToLong(Long::longValue).toArray()));
        all.addAll(samples);
      }
    }
    if (all.isEmpty()) {
      throw new IllegalStateException(
          "no alert arrived for any of the " + injected + " injected faults");
    }
    Map<RunProfile, Percentiles> profiles = new java.util.EnumMap<>(RunProfile.class);
    byProfile.forEach(
        (p, v) ->
            profiles.put(p, Percentiles.ofNanos(v.stream().mapToLong(Long::longValue).toArray())));
    return new Result(
        windows,
        Percentiles.ofNanos(all.stream().mapToLong(Long::longValue).toArray()),
        injected,
        missed,
        healthyAlerted,
        achievedRate,
        profiles,
        uncommitted.isEmpty()
            ? null
            : Percentiles.ofNanos(uncommitted.stream().mapToLong(Long::longValue).toArray()));
  }

  /**
   * A faulty run being injected: when each of its batches was sent, and when its first alert
   * arrived.
   */
  private static final class FaultRun {
    final SimulatedRun run;
    final AtomicLongArray sentNs;
    long nextDueNs;
    volatile long alertedAtNs;
    volatile long latencyNs = -1;
    volatile long uncommittedLatencyNs = -1;

    FaultRun(SimulatedRun run, int maxSteps, long now) {
      this.run = run;
      this.sentNs = new AtomicLongArray(maxSteps);
      this.nextDueNs = now;
    }
  }

  /** Healthy runs taking turns, each announcing itself before its first batch. */
  private static final class Background {
    private final List<SimulatedRun> runs;
    private final boolean[] started;
    private int next;
    long sent;

    Background(Fleet fleet) {
      this.runs = fleet.runs();
      this.started = new boolean[runs.size()];
    }

    TrainingEvent next() {
      sent++;
      int i = next;
      long now = System.currentTimeMillis();
      if (!started[i]) {
        started[i] = true;
        return runs.get(i).started(now);
      }
      next = (next + 1) % runs.size();
      return runs.get(i).nextBatch(now);
    }
  }

  /**
   * Reads alerts and matches each faulty run's first one to the send time of the batch it names.
   * The committed watcher gives the figure and ends the faulty run; the uncommitted one only notes
   * when the alert was written.
   */
  private static final class AlertWatcher implements Runnable {
    private final boolean committed;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, FaultRun> faults;
    private final Set<String> healthyAlerted;
    private final AtomicBoolean stop;
    private final AtomicReference<Exception> failure;

    AlertWatcher(
        String bootstrapServers,
        boolean committed,
        Map<String, FaultRun> faults,
        Set<String> healthyAlerted,
        AtomicBoolean stop,
        AtomicReference<Exception> failure) {
      this.committed = committed;
      this.consumer =
          TopicReading.consumer(bootstrapServers, committed, new ByteArrayDeserializer());
      this.faults = faults;
      this.healthyAlerted = healthyAlerted;
      this.stop = stop;
      this.failure = failure;
    }

    /**
     * Positions at the current end, before any fault is injected; only alerts from now on count.
     */
    void seekToEnd() {
      TopicReading.fromEnd(consumer, Topics.ALERTS);
    }

    @Override
    public void run() {
      try (consumer) {
        while (!stop.get()) {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
          long receivedNs = System.nanoTime();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            onAlert(r.value(), receivedNs);
          }
        }
      } catch (RuntimeException e) {
        failure.set(e);
      }
    }

    private void onAlert(byte[] value, long receivedNs) {
      Alert alert;
      try {
        alert = AlertCodec.decode(value);
      } catch (InvalidEventException e) {
        throw new IllegalStateException(
            "the monitor wrote an alert the contract rejects: " + e.getMessage(), e);
      }
      if (!alert.firing()) {
        return;
      }
      FaultRun f = faults.get(alert.runId());
      if (f == null) {
        if (committed) {
          healthyAlerted.add(alert.runId());
        }
        return;
      }
      if (alert.step() == null) {
        return;
      }
      int step = (int) (long) alert.step();
      long sent = step < f.sentNs.length() ? f.sentNs.get(step) : 0;
      if (!committed) {
        if (f.uncommittedLatencyNs < 0 && sent != 0) {
          f.uncommittedLatencyNs = receivedNs - sent;
        }
        return;
      }
      if (f.alertedAtNs != 0) {
        return;
      }
      if (sent != 0) {
        f.latencyNs = receivedNs - sent;
      }
      f.alertedAtNs = receivedNs;
    }
  }
}
