package io.trainwatch.bench;

import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.schemas.Topics;
import io.trainwatch.simulator.SimulatedJob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The fleet's trainers: {@code jobs} synchronous data-parallel jobs of {@code ranksPerJob} ranks,
 * each job stepping {@code stepsPerSecond} times a second, every rank publishing one batch event
 * per step to {@code trainwatch.events} (keyed by its run id, as the trainer library does). Steps
 * of different jobs are spread evenly over the step period, so the offered load is smooth.
 *
 * <p>To offer a fleet's rate from one box, healthy jobs send pre-encoded events ({@link
 * EventTemplate}: {@code TEMPLATE_STEPS} simulated steps per rank, cycled, with the step's event
 * time, step number, loss and timings, which the job-level rules compare, written in from the
 * simulator); faulty jobs, a handful, encode every event. Several producer threads, each with its
 * own {@link KafkaProducer}, share the jobs. What was offered is counted from the broker's
 * acknowledgements, never from the schedule.
 */
final class FleetLoad implements AutoCloseable {

  /** Simulated steps pre-encoded per rank of a healthy job. */
  static final int TEMPLATE_STEPS = 16;

  /** Placement: ranks of the lower half of a job on node j, the upper half on node j + 1. */
  static String host(int job, int rank, int jobs, int ranksPerJob) {
    int node = rank < ranksPerJob / 2 ? job : (job + 1) % jobs;
    return String.format(Locale.ROOT, "node-%05d", node);
  }

  static String jobName(int job) {
    return String.format(Locale.ROOT, "fleet-job-%05d", job);
  }

  private final FleetBench.Settings settings;
  private final String bootstrap;
  private final List<SimulatedJob> jobs = new ArrayList<>();
  private final Map<Integer, JobFault> faults;

  /** Pre-encoded batches of healthy jobs: [job][rank][template step], null for faulty jobs. */
  private final EventTemplate[][][] templates;

  private final byte[][][] keys;
  private final AtomicLongArray[] faultyStepTs;
  final LongAdder sent = new LongAdder();
  final LongAdder acked = new LongAdder();
  final LongAdder ackedBytes = new LongAdder();
  final LongAdder failed = new LongAdder();
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
  private final long[] behind;
  private volatile long startNs;

  FleetLoad(FleetBench.Settings settings, String bootstrap, Map<Integer, JobFault> faults) {
    this.settings = settings;
    this.bootstrap = bootstrap;
    this.faults = Map.copyOf(faults);
    int n = settings.jobs();
    int world = settings.ranksPerJob();
    this.templates = new EventTemplate[n][][];
    this.keys = new byte[n][world][];
    this.faultyStepTs = new AtomicLongArray[n];
    this.behind = new long[settings.producers()];
    int maxSteps = (int) Math.ceil(settings.totalSeconds() * settings.stepsPerSecond()) + 64;
    for (int j = 0; j < n; j++) {
      List<String> hosts = new ArrayList<>(world);
      for (int r = 0; r < world; r++) {
        hosts.add(host(j, r, n, world));
      }
      JobFault fault = faults.getOrDefault(j, JobFault.NONE);
      SimulatedJob job =
          new SimulatedJob(jobName(j), hosts, settings.seed() * 1_000_003L + j, fault);
      jobs.add(job);
      for (int r = 0; r < world; r++) {
        keys[j][r] = job.runId(r).getBytes(StandardCharsets.UTF_8);
      }
      if (fault.kind() == RankFault.NONE) {
        templates[j] = new EventTemplate[world][TEMPLATE_STEPS];
        for (int k = 0; k < TEMPLATE_STEPS; k++) {
          for (int r = 0; r < world; r++) {
            templates[j][r][k] = EventTemplate.of(job.batch(r, k, 0));
          }
        }
      } else {
        faultyStepTs[j] = new AtomicLongArray(maxSteps);
      }
    }
  }

  /** The simulated job of index {@code j}. */
  SimulatedJob job(int j) {
    return jobs.get(j);
  }

  /** Mean size of a pre-encoded batch event, bytes. */
  double meanTemplateBytes() {
    long total = 0;
    long count = 0;
    for (EventTemplate[][] job : templates) {
      if (job == null) {
        continue;
      }
      for (EventTemplate[] rank : job) {
        for (EventTemplate t : rank) {
          total += t.size();
          count++;
        }
      }
    }
    return count == 0 ? 0 : (double) total / count;
  }

  /**
   * Event time of a step of a faulty job, as sent (every rank of a step carries the same), or 0 if
   * not sent.
   */
  long stepTs(int job, long step) {
    AtomicLongArray ts = faultyStepTs[job];
    return ts == null || step < 0 || step >= ts.length() ? 0 : ts.get((int) step);
  }

  /** Sends every rank's run_started, waits for the broker to have them, then starts the steps. */
  void start() {
    for (int p = 0; p < settings.producers(); p++) {
      producers.add(
          new KafkaProducer<>(
              producerConfig(bootstrap), new ByteArraySerializer(), new ByteArraySerializer()));
    }
    long now = System.currentTimeMillis();
    for (int j = 0; j < jobs.size(); j++) {
      KafkaProducer<byte[], byte[]> producer = producers.get(j % producers.size());
      for (int r = 0; r < settings.ranksPerJob(); r++) {
        send(producer, j, r, EventCodec.encode(jobs.get(j).started(r, now)), now);
      }
    }
    producers.forEach(KafkaProducer::flush);
    startNs = System.nanoTime();
    for (int p = 0; p < settings.producers(); p++) {
      int index = p;
      Thread t = new Thread(() -> produce(index), "fleet-producer-" + p);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** When the steps started ({@link System#nanoTime()}). */
  long startNs() {
    return startNs;
  }

  /** Events due by the schedule but not yet sent, over every producer thread. */
  long behindSchedule() {
    long b = 0;
    for (long x : behind) {
      b += x;
    }
    return b;
  }

  /** The first send that failed, or {@code null}. */
  Exception failure() {
    return firstFailure.get();
  }

  /**
   * Stops stepping; every rank that has not hung says it completed (so no healthy job is judged
   * silent afterwards), and waits for the broker's acknowledgements.
   */
  void finish() {
    stop.set(true);
    for (Thread t : threads) {
      try {
        t.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    long now = System.currentTimeMillis();
    for (int j = 0; j < jobs.size(); j++) {
      SimulatedJob job = jobs.get(j);
      if (job.fault().kind() == RankFault.HANG) {
        continue;
      }
      KafkaProducer<byte[], byte[]> producer = producers.get(j % producers.size());
      for (int r = 0; r < settings.ranksPerJob(); r++) {
        send(producer, j, r, EventCodec.encode(job.ended(r, now)), now);
      }
    }
    producers.forEach(KafkaProducer::flush);
  }

  @Override
  public void close() {
    stop.set(true);
    producers.forEach(KafkaProducer::close);
  }

  private void produce(int index) {
    int p = settings.producers();
    int n = jobs.size();
    int[] own = java.util.stream.IntStream.range(0, n).filter(j -> j % p == index).toArray();
    if (own.length == 0) {
      return;
    }
    KafkaProducer<byte[], byte[]> producer = producers.get(index);
    double periodNs = 1e9 / settings.stepsPerSecond();
    long seq = 0;
    try {
      while (!stop.get()) {
        long now = System.nanoTime();
        while (!stop.get()) {
          long step = seq / own.length;
          int j = own[(int) (seq % own.length)];
          long due = startNs + (long) ((step + (double) j / n) * periodNs);
          if (due > now) {
            break;
          }
          sendStep(producer, j, step);
          seq++;
          if ((seq & 63) == 0) {
            now = System.nanoTime();
          }
        }
        behind[index] = dueCount(own, n, periodNs, System.nanoTime()) - seq;
        LockSupport.parkNanos(500_000);
      }
    } catch (RuntimeException e) {
      firstFailure.compareAndSet(null, e);
    }
  }

  /** Job steps due by {@code now} in this thread's schedule, times its ranks: events due. */
  private long dueCount(int[] own, int n, double periodNs, long now) {
    double elapsedSteps = (now - startNs) / periodNs;
    long whole = (long) Math.floor(elapsedSteps);
    double frac = elapsedSteps - whole;
    long inStep = 0;
    for (int j : own) {
      if ((double) j / n <= frac) {
        inStep++;
      }
    }
    return (whole * own.length + inStep);
  }

  private void sendStep(KafkaProducer<byte[], byte[]> producer, int j, long step) {
    SimulatedJob job = jobs.get(j);
    long ts = System.currentTimeMillis();
    EventTemplate[][] t = templates[j];
    if (t == null) {
      faultyStepTs[j].compareAndSet((int) Math.min(step, faultyStepTs[j].length() - 1), 0, ts);
    }
    for (int r = 0; r < settings.ranksPerJob(); r++) {
      byte[] value;
      if (t != null) {
        value =
            t[r][(int) (step % TEMPLATE_STEPS)].render(
                ts,
                step,
                job.loss(r, step),
                job.stepMs(step),
                job.dataMs(r, step),
                job.computeMs(r, step));
      } else if (job.reports(r, step)) {
        value = EventCodec.encode(job.batch(r, step, ts));
      } else {
        continue;
      }
      send(producer, j, r, value, ts);
    }
  }

  private void send(KafkaProducer<byte[], byte[]> producer, int j, int r, byte[] value, long ts) {
    sent.increment();
    int size = value.length;
    Callback done =
        (metadata, e) -> {
          if (e == null) {
            acked.increment();
            ackedBytes.add(size);
          } else {
            failed.increment();
            firstFailure.compareAndSet(null, e);
          }
        };
    producer.send(new ProducerRecord<>(Topics.EVENTS, null, ts, keys[j][r], value), done);
  }

  /**
   * The simulated trainers' producer: the trainer publisher's durability (acks=all, idempotent,
   * lz4) with batching sized for a fleet's rate from one client.
   */
  static Map<String, Object> producerConfig(String bootstrap) {
    Map<String, Object> c = new HashMap<>();
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    c.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
    return c;
  }
}
