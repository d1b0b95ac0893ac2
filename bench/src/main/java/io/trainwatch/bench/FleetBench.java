package io.trainwatch.bench;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.cli.Progress;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.simulator.SimulatedRun;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet section: a Llama-3-sized training fleet (by default 2,048 jobs of 8 ranks, 16,384 ranks
 * stepping 10 times a second: 163,840 events/s) offered live to the monitor on one box,
 * exactly-once, every rule on, with a few injected faults so alerts flow (a straggler, a slow data
 * loader, a rank that turns NaN, a hung job, and two stragglers on one node, which make a suspect
 * node), plus standalone faulty "probe" runs whose alerts are not grouped by job, measuring the
 * monitor's own latency under the fleet's load.
 *
 * <p>It reports what was offered and what was processed (from the broker's acknowledgements and the
 * monitor's committed offsets, never from a schedule), the lag at the end, alert latency from event
 * time, a raw consumer's rate on the same topic in the same run, state bytes per rank and per job
 * from the changelogs, and the stream threads' CPU, from which it derives how many stream threads,
 * instances and partitions the fleet needs.
 */
public final class FleetBench {

  private static final Logger LOG = LoggerFactory.getLogger(FleetBench.class);

  /** The issue's target: p99 alert latency. */
  static final double P99_TARGET_MS = 250;

  /** A stream thread is sized to run at most this busy, so queues stay short and latency low. */
  static final double TARGET_UTILIZATION = 0.7;

  /**
   * How the fleet runs.
   *
   * @param jobs data-parallel jobs
   * @param ranksPerJob ranks (processes, one per GPU) per job
   * @param stepsPerSecond steps per second of every job (one batch event per rank per step)
   * @param warmup load before the measured window (JIT, every rank's first events)
   * @param duration the measured window
   * @param producers producer threads (each with its own KafkaProducer)
   * @param probes standalone faulty runs injected during the window
   * @param drainTimeout after the window, how long to wait for the monitor to catch up and for
   *     every injected fault's alert (a hang is judged a minute after it begins)
   */
  public record Settings(
      int jobs,
      int ranksPerJob,
      double stepsPerSecond,
      Duration warmup,
      Duration duration,
      int producers,
      int probes,
      Duration drainTimeout,
      long seed) {

    public Settings {
      if (jobs < 8 || ranksPerJob < 4 || ranksPerJob % 2 != 0) {
        throw new IllegalArgumentException(
            "jobs="
                + jobs
                + ", ranks="
                + ranksPerJob
                + ": need >= 8 jobs and an even rank count >= 4");
      }
      if (stepsPerSecond <= 0 || producers < 1 || probes < 0 || duration.isZero()) {
        throw new IllegalArgumentException(
            "steps per second, producers and the duration must be positive");
      }
    }

    /**
     * The issue's fleet: 2,048 jobs x 8 ranks at 10 steps/s (163,840 events/s) for 60 s after 10 s
     * of warm-up, 20 probes, up to 3 minutes to drain.
     */
    public static Settings full(long seed) {
      return new Settings(
          2_048,
          8,
          10,
          Duration.ofSeconds(10),
          Duration.ofSeconds(60),
          2,
          20,
          Duration.ofMinutes(3),
          seed);
    }

    /**
     * Smoke-test size: 16 jobs x 8 ranks for 15 s. The hang is still judged after job_hang's
     * minute, so the drain waits for it.
     */
    public static Settings quick(long seed) {
      return new Settings(
          16,
          8,
          10,
          Duration.ofSeconds(5),
          Duration.ofSeconds(15),
          2,
          4,
          Duration.ofSeconds(100),
          seed);
    }

    /** Events per second the fleet offers. */
    public double offeredRate() {
      return jobs * ranksPerJob * stepsPerSecond;
    }

    public int ranks() {
      return jobs * ranksPerJob;
    }

    double totalSeconds() {
      return warmup.toMillis() / 1000.0 + duration.toMillis() / 1000.0 + 5;
    }

    /** The same fleet with another size and duration. */
    public Settings withSize(int newJobs, Duration newDuration) {
      return new Settings(
          newJobs,
          ranksPerJob,
          stepsPerSecond,
          warmup,
          newDuration,
          producers,
          probes,
          drainTimeout,
          seed);
    }
  }

  /** An injected fault and the alert it must produce. */
  public record InjectedFault(String what, String job, String rule, boolean alerted) {}

  /** Alert latency of one rule. */
  public record RuleLatency(
      String rule, String measuredFrom, int alerts, double p50Ms, double p99Ms, double maxMs) {}

  /**
   * The outcome.
   *
   * @param offeredRate events/s acknowledged by the broker during the window
   * @param processedRate events/s the monitor committed during the window
   * @param processedPer10s processed rate over each 10-second slice of the window
   * @param lagAtEnd events of trainwatch.events not yet committed when the window ended
   * @param maxLag the largest lag seen in the window
   * @param behindScheduleAtEnd events the producers had not sent yet when they were due
   * @param drainSeconds time after the window until the monitor had committed everything (or the
   *     timeout)
   * @param caughtUp whether it did within the drain timeout
   * @param rawRate a plain KafkaConsumer reading the same topic from the beginning, same run
   * @param probeLatency the probes' (per-run, ungrouped) alerts: the monitor's own latency
   * @param jobLatency latency of each rule's alerts on the faulty jobs and the bad node
   * @param streamCpuSeconds CPU time of the monitor's stream threads during the window
   * @param processCpuSeconds CPU time of the whole JVM (monitor, broker, producers) in the window
   */
  public record Result(
      Settings settings,
      int partitions,
      int streamThreads,
      double meanEventBytes,
      double windowSeconds,
      double offeredRate,
      double processedRate,
      Summary processedPer10s,
      long eventsOffered,
      long lagAtEnd,
      long maxLag,
      long behindScheduleAtEnd,
      double drainSeconds,
      boolean caughtUp,
      double rawRate,
      long rawEvents,
      RuleLatency probeLatency,
      int probesInjected,
      int probesAlerted,
      List<RuleLatency> jobLatency,
      List<InjectedFault> faults,
      Map<String, Integer> firingByRule,
      Map<String, Integer> falseAlarmsByRule,
      int duplicateAlerts,
      List<ChangelogSizes.StoreSize> state,
      double stateBytesPerRank,
      double stateBytesPerJob,
      double streamCpuSeconds,
      double processCpuSeconds,
      int cores,
      Map<String, Double> streamThreadStates,
      double drainRate,
      double drainStreamCpuSeconds) {

    /**
     * Events per second of stream-thread CPU after the window, with the producers stopped and the
     * monitor reading its backlog, or 0 if it processed nothing then.
     */
    public double drainEventsPerStreamCoreSecond() {
      return drainStreamCpuSeconds <= 0 ? 0 : drainRate * drainSeconds / drainStreamCpuSeconds;
    }

    /** The per-core rate the sizing uses: the better of the window's and the drain's. */
    public double sizingRate() {
      return Math.max(eventsPerStreamCoreSecond(), drainEventsPerStreamCoreSecond());
    }

    /** Events the monitor processes per second of stream-thread CPU: one core's worth. */
    public double eventsPerStreamCoreSecond() {
      return streamCpuSeconds <= 0 ? 0 : processedRate * windowSeconds / streamCpuSeconds;
    }

    /** Processed ÷ offered: 1 means the monitor kept up. */
    public double keptUp() {
      return offeredRate <= 0 ? 0 : processedRate / offeredRate;
    }

    /** The fleet's target rate over the monitor's processed rate. */
    public double shortfall() {
      return settings.offeredRate() / Math.max(1, processedRate);
    }

    /** Stream threads (one core each) the fleet needs at {@link #TARGET_UTILIZATION}. */
    public int streamThreadsNeeded() {
      double perCore = sizingRate();
      return perCore <= 0
          ? 0
          : (int) Math.ceil(settings.offeredRate() / (perCore * TARGET_UTILIZATION));
    }

    /** Instances like this box (its cores, one stream thread each). */
    public int instancesNeeded() {
      return (int) Math.ceil(streamThreadsNeeded() / (double) Math.max(1, cores));
    }

    /**
     * Partitions of trainwatch.events: one per stream thread at least (a task is never split),
     * rounded up to a multiple of the instances so each gets the same share.
     */
    public int partitionsNeeded() {
      int threads = Math.max(partitions, streamThreadsNeeded());
      int inst = Math.max(1, instancesNeeded());
      return (threads + inst - 1) / inst * inst;
    }

    /** Whether the fleet was sustained: processed ≥ 98% of its rate, lag bounded, p99 met. */
    public boolean sustained() {
      return processedRate >= 0.98 * settings.offeredRate()
          && probeLatency != null
          && probeLatency.p99Ms() <= P99_TARGET_MS;
    }
  }

  private FleetBench() {}

  /** Runs the fleet against {@code monitor} on a broker of its own. */
  public static Result run(StreamsApp monitor, int partitions, int streamThreads, Settings s) {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      ThroughputSection.createTopics(broker, partitions);
      return runOn(broker.bootstrapServers(), monitor, partitions, streamThreads, s);
    }
  }

  /** The faults, by job index: see the class comment. */
  static Map<Integer, JobFault> faults(Settings s) {
    int warmupSteps =
        Math.toIntExact(Math.round(s.warmup().toMillis() / 1000.0 * s.stepsPerSecond()));
    int onset =
        warmupSteps
            + Math.toIntExact(
                Math.round(0.1 * s.duration().toMillis() / 1000.0 * s.stepsPerSecond()));
    int n = s.jobs();
    int world = s.ranksPerJob();
    Map<Integer, JobFault> f = new LinkedHashMap<>();
    // Single faults on lower-half ranks (their job's own node, which no other faulty job uses):
    // only the pair below shares a node. A hang is judged a minute (job_hang.min_seconds) after it
    // starts: it starts first.
    f.put(n / 8, new JobFault(RankFault.HANG, 1, warmupSteps, 1));
    f.put(3 * n / 8, new JobFault(RankFault.SLOW_COMPUTE, 1, onset, 1.2));
    f.put(4 * n / 8, new JobFault(RankFault.SLOW_DATA, 1, onset, 3));
    f.put(5 * n / 8, new JobFault(RankFault.NAN_RANK, 0, onset, 1));
    // Two jobs sharing node 6n/8 + 1 (the upper half of one, the lower half of the next) both get
    // a straggler there: the node is suspect.
    f.put(6 * n / 8, new JobFault(RankFault.SLOW_COMPUTE, world - 1, onset, 1.3));
    f.put(6 * n / 8 + 1, new JobFault(RankFault.SLOW_COMPUTE, 0, onset + 20, 1.3));
    return f;
  }

  static String expectedRule(RankFault kind) {
    return switch (kind) {
      case SLOW_COMPUTE, SLOW_DATA -> "straggler_rank";
      case NAN_RANK -> "rank_divergence";
      case HANG -> "job_hang";
      case NONE -> throw new IllegalArgumentException("no fault");
    };
  }

  static Result runOn(
      String bootstrap, StreamsApp monitor, int partitions, int streamThreads, Settings s) {
    Map<Integer, JobFault> faults = faults(s);
    int badNode = 6 * s.jobs() / 8 + 1;
    String badHost = FleetLoad.host(badNode, 0, s.jobs(), s.ranksPerJob());
    Map<String, Integer> faultyJobs = new LinkedHashMap<>();
    faults.keySet().forEach(j -> faultyJobs.put(FleetLoad.jobName(j), j));
    LOG.info(
        "fleet: pre-encoding {} steps of {} ranks ({} jobs x {})",
        FleetLoad.TEMPLATE_STEPS,
        Markdown.count(s.ranks()),
        Markdown.count(s.jobs()),
        s.ranksPerJob());
    String applicationId = CatchUp.newApplicationId();
    Path stateDir = CatchUp.tempDir();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Probes probes = null;
    try (FleetLoad load = new FleetLoad(s, bootstrap, faults);
        StreamsApp.Running running = monitor.start(bootstrap, applicationId, stateDir, Map.of());
        TopicProbe probe = new TopicProbe(bootstrap)) {
      LatencySection.awaitStableGroup(bootstrap, applicationId, Duration.ofSeconds(120));
      Map<String, Probe> probeRuns = new ConcurrentHashMap<>();
      FleetAlerts.Classifier classifier =
          new Classifier(load, faults, faultyJobs, badHost, badNode, probeRuns);
      try (FleetAlerts alerts = new FleetAlerts(bootstrap, classifier)) {
        LOG.info(
            "fleet: {} ranks at {} steps/s: {} events/s offered by {} producer threads for {} s + {} s warm-up",
            Markdown.count(s.ranks()),
            Markdown.num(s.stepsPerSecond(), 0),
            Markdown.count(s.offeredRate()),
            s.producers(),
            s.duration().toSeconds(),
            s.warmup().toSeconds());
        load.start();
        long startNs = load.startNs();
        long windowStartNs = startNs + s.warmup().toNanos();
        long windowEndNs = windowStartNs + s.duration().toNanos();
        probes = new Probes(bootstrap, s, probeRuns, windowStartNs, windowEndNs);
        probes.start();
        sleepUntil(windowStartNs);
        long ackedAtStart = load.acked.sum();
        long committedAtStart = committedEvents(probe, applicationId);
        double streamCpuAtStart = streamCpuSeconds(threads);
        ThreadStates states = new ThreadStates(name -> name.contains("StreamThread"));
        double processCpuAtStart = processCpuSeconds();
        long maxLag = 0;
        List<Double> slices = new ArrayList<>();
        long sliceCommitted = committedAtStart;
        long sliceNs = windowStartNs;
        int slicesTotal = (int) Math.max(1, Math.ceil(s.duration().toSeconds() / 10.0));
        Progress progress = Progress.start(slicesTotal);
        long nextTick = windowStartNs + 1_000_000_000L;
        while (System.nanoTime() < windowEndNs) {
          sleepUntil(Math.min(nextTick, windowEndNs));
          nextTick += 1_000_000_000L;
          check(load, alerts);
          long committed = committedEvents(probe, applicationId);
          long end = sum(probe.endOffsets(probe.partitions(Topics.EVENTS)));
          maxLag = Math.max(maxLag, end - committed);
          long now = System.nanoTime();
          if (now - sliceNs >= 10_000_000_000L || now >= windowEndNs) {
            double rate = (committed - sliceCommitted) / ((now - sliceNs) / 1e9);
            slices.add(rate);
            LOG.info(
                "fleet {}: offered {} events/s, processed {} events/s in the last {} s, lag {} events",
                progress.step(),
                Markdown.count((load.acked.sum() - ackedAtStart) / ((now - windowStartNs) / 1e9)),
                Markdown.count(rate),
                Math.round((now - sliceNs) / 1e9),
                Markdown.count(end - committed));
            sliceCommitted = committed;
            sliceNs = now;
          }
        }
        double windowSeconds = (System.nanoTime() - windowStartNs) / 1e9;
        long ackedAtEnd = load.acked.sum();
        long committedAtEnd = committedEvents(probe, applicationId);
        long endAtEnd = sum(probe.endOffsets(probe.partitions(Topics.EVENTS)));
        double streamCpu = streamCpuSeconds(threads) - streamCpuAtStart;
        states.close();
        double processCpu = processCpuSeconds() - processCpuAtStart;
        long behind = load.behindSchedule();
        long lagAtEnd = endAtEnd - committedAtEnd;
        double offered = (ackedAtEnd - ackedAtStart) / windowSeconds;
        double processed = (committedAtEnd - committedAtStart) / windowSeconds;
        LOG.info(
            "fleet: window over: offered {} events/s, processed {} events/s, lag {} events; "
                + "the jobs finish, draining",
            Markdown.count(offered),
            Markdown.count(processed),
            Markdown.count(lagAtEnd));
        probes.stop();
        load.finish();

        // Drain: the monitor catches up, and the last faults' alerts arrive (a hang needs a
        // minute).
        long drainStart = System.nanoTime();
        long committedAtDrain = committedEvents(probe, applicationId);
        double streamCpuAtDrain = streamCpuSeconds(threads);
        long drainDeadline = drainStart + s.drainTimeout().toNanos();
        Map<TopicPartition, Long> finalEnd = probe.endOffsets(probe.partitions(Topics.EVENTS));
        boolean caughtUp = false;
        double drainSeconds = 0;
        long drainCommitted = -1;
        double drainCpuEnd = 0;
        long lastLog = drainStart;
        while (System.nanoTime() < drainDeadline) {
          check(load, alerts);
          if (!caughtUp && probe.caughtUp(applicationId, finalEnd)) {
            caughtUp = true;
            drainSeconds = (System.nanoTime() - drainStart) / 1e9;
            drainCommitted = committedEvents(probe, applicationId);
            drainCpuEnd = streamCpuSeconds(threads);
            LOG.info("fleet: caught up {} s after the window", Math.round(drainSeconds));
          }
          boolean allAlerted =
              faults.entrySet().stream()
                      .allMatch(
                          e ->
                              alerts.met(
                                  FleetLoad.jobName(e.getKey())
                                      + "/"
                                      + expectedRule(e.getValue().kind())))
                  && alerts.met("suspect_node@" + badHost)
                  && probes.done();
          if (caughtUp && allAlerted) {
            break;
          }
          if (System.nanoTime() - lastLog > 15_000_000_000L) {
            lastLog = System.nanoTime();
            LOG.info(
                "fleet: draining, {} s of at most {} s: lag {} events, waiting for {}",
                Math.round((lastLog - drainStart) / 1e9),
                s.drainTimeout().toSeconds(),
                Markdown.count(sum(finalEnd) - committedEvents(probe, applicationId)),
                caughtUp ? "the injected faults' alerts" : "the monitor to catch up");
          }
          CatchUp.sleep(Duration.ofMillis(500));
        }
        if (!caughtUp) {
          drainSeconds = (System.nanoTime() - drainStart) / 1e9;
          drainCommitted = committedEvents(probe, applicationId);
          drainCpuEnd = streamCpuSeconds(threads);
        }
        double drainRate = (drainCommitted - committedAtDrain) / Math.max(1e-3, drainSeconds);
        double drainCpu = drainCpuEnd - streamCpuAtDrain;
        // A moment for alerts committed last to reach the watcher.
        CatchUp.sleep(Duration.ofSeconds(1));
        alerts.close();

        List<InjectedFault> injected = new ArrayList<>();
        faults.forEach(
            (j, f) ->
                injected.add(
                    new InjectedFault(
                        describe(f),
                        FleetLoad.jobName(j),
                        expectedRule(f.kind()),
                        alerts.met(FleetLoad.jobName(j) + "/" + expectedRule(f.kind())))));
        injected.add(
            new InjectedFault(
                "stragglers of two jobs on one node (" + badHost + ")",
                FleetLoad.jobName(6 * s.jobs() / 8)
                    + ", "
                    + FleetLoad.jobName(6 * s.jobs() / 8 + 1),
                "suspect_node",
                alerts.met("suspect_node@" + badHost)));

        Map<String, Histogram> byRule = alerts.latencyByRule();
        Map<String, FleetAlerts.From> from = alerts.fromByRule();
        List<RuleLatency> jobLatency = new ArrayList<>();
        RuleLatency probeLatency = null;
        for (Map.Entry<String, Histogram> e : byRule.entrySet()) {
          if (e.getKey().equals(Classifier.PROBES)) {
            probeLatency =
                latency(
                    "probe runs (per-run rules, not grouped)",
                    FleetAlerts.From.STEP.text,
                    e.getValue());
          } else {
            jobLatency.add(latency(e.getKey(), from.get(e.getKey()).text, e.getValue()));
          }
        }

        LOG.info("fleet: raw consumer over the same {} events", Markdown.count(sum(finalEnd)));
        Throughput raw = RawConsumer.readToEnd(bootstrap, finalEnd, RawConsumer.Work.NONE);
        LOG.info(
            "fleet: raw consumer {} events/s; reading the state changelogs",
            Markdown.count(raw.recordsPerSecond()));
        List<ChangelogSizes.StoreSize> state =
            ChangelogSizes.measure(bootstrap, applicationId, k -> true);
        return new Result(
            s,
            partitions,
            streamThreads,
            load.meanTemplateBytes(),
            windowSeconds,
            offered,
            processed,
            slices.isEmpty() ? null : Summary.of(slices),
            ackedAtEnd - ackedAtStart,
            lagAtEnd,
            Math.max(maxLag, lagAtEnd),
            behind,
            drainSeconds,
            caughtUp,
            raw.recordsPerSecond(),
            raw.records(),
            probeLatency,
            probes.injected(),
            (int) probeRuns.values().stream().filter(p -> p.latencyMs >= 0).count(),
            jobLatency,
            injected,
            alerts.firingByRule(),
            alerts.falseAlarmsByRule(),
            alerts.duplicates(),
            state,
            perRank(state, s),
            perJob(state, s),
            streamCpu,
            processCpu,
            Runtime.getRuntime().availableProcessors(),
            states.shares(),
            drainRate,
            drainCpu);
      }
    } finally {
      if (probes != null) {
        probes.close();
      }
      CatchUp.deleteRecursively(stateDir);
    }
  }

  private static RuleLatency latency(String rule, String from, Histogram h) {
    return new RuleLatency(
        rule,
        from,
        (int) h.getTotalCount(),
        h.getValueAtPercentile(50),
        h.getValueAtPercentile(99),
        h.getMaxValue());
  }

  private static String describe(JobFault f) {
    return switch (f.kind()) {
      case SLOW_COMPUTE ->
          "rank "
              + f.rank()
              + " computes "
              + Math.round((f.factor() - 1) * 100)
              + "% slower from step "
              + f.onsetStep();
      case SLOW_DATA ->
          "rank "
              + f.rank()
              + " waits "
              + Markdown.num(f.factor(), 0)
              + "× longer for data from step "
              + f.onsetStep();
      case NAN_RANK ->
          "rank " + f.rank() + " turns NaN at step " + f.onsetStep() + ", the others a step later";
      case HANG ->
          "rank "
              + f.rank()
              + " hangs at step "
              + f.onsetStep()
              + ", the others block a step later";
      case NONE -> "none";
    };
  }

  /** Bytes a rank keeps: its per-run stores and its job-level rank record, keys included. */
  static double perRank(List<ChangelogSizes.StoreSize> state, Settings s) {
    double total = 0;
    for (ChangelogSizes.StoreSize st : state) {
      if (st.store().startsWith("run-") || st.store().equals("job-ranks")) {
        total +=
            (st.medianBytes() + st.meanKeyBytes()) * Math.min(1.0, st.keys() / (double) s.ranks());
      }
    }
    return total;
  }

  /** Bytes a job keeps: its summary and its recent steps (at most 256), keys included. */
  static double perJob(List<ChangelogSizes.StoreSize> state, Settings s) {
    double total = 0;
    for (ChangelogSizes.StoreSize st : state) {
      if (st.store().equals("job-state") || st.store().equals("job-steps")) {
        total += (st.medianBytes() + st.meanKeyBytes()) * st.keys() / (double) s.jobs();
      }
    }
    return total;
  }

  private static void check(FleetLoad load, FleetAlerts alerts) {
    if (load.failure() != null) {
      throw new IllegalStateException(
          "the fleet's producers failed: " + load.failure().getMessage(), load.failure());
    }
    if (alerts.failure() != null) {
      throw new IllegalStateException(
          "the alert watcher failed: " + alerts.failure().getMessage(), alerts.failure());
    }
  }

  /** The monitor's committed offsets on trainwatch.events (not its repartition topics), summed. */
  private static long committedEvents(TopicProbe probe, String applicationId) {
    return probe.committed(applicationId).entrySet().stream()
        .filter(e -> e.getKey().topic().equals(Topics.EVENTS))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static long sum(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  private static void sleepUntil(long nanoTime) {
    long left = nanoTime - System.nanoTime();
    if (left > 0) {
      CatchUp.sleep(Duration.ofNanos(left));
    }
  }

  private static double streamCpuSeconds(ThreadMXBean threads) {
    double total = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().contains("StreamThread")) {
        long ns = threads.getThreadCpuTime(t.getId());
        if (ns > 0) {
          total += ns / 1e9;
        }
      }
    }
    return total;
  }

  private static double processCpuSeconds() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime() / 1e9;
    }
    return 0;
  }

  /** A standalone faulty run injected during the window. */
  static final class Probe {
    final SimulatedRun run;
    final AtomicLongArray sentTs;
    volatile long latencyMs = -1;

    Probe(SimulatedRun run, int maxSteps) {
      this.run = run;
      this.sentTs = new AtomicLongArray(maxSteps);
    }
  }

  /** Expected alerts and where their latency is measured from. */
  private static final class Classifier implements FleetAlerts.Classifier {
    static final String PROBES = "(probes)";
    private final FleetLoad load;
    private final Map<Integer, JobFault> faults;
    private final Map<String, Integer> faultyJobs;
    private final String badHost;
    private final int badNode;
    private final Map<String, Probe> probes;

    Classifier(
        FleetLoad load,
        Map<Integer, JobFault> faults,
        Map<String, Integer> faultyJobs,
        String badHost,
        int badNode,
        Map<String, Probe> probes) {
      this.load = load;
      this.faults = faults;
      this.faultyJobs = faultyJobs;
      this.badHost = badHost;
      this.badNode = badNode;
      this.probes = probes;
    }

    @Override
    public long eventTimeMs(Alert a) {
      Probe p = probes.get(a.runId());
      if (p != null) {
        long ts = a.step() == null ? 0 : stepTs(p, a.step());
        if (ts != 0 && p.latencyMs < 0) {
          p.latencyMs = System.currentTimeMillis() - ts;
        }
        return ts;
      }
      if (a.rule().equals("suspect_node")) {
        if (!badHost.equals(host(a))) {
          return 0;
        }
        // The node became suspect with the second job's straggler: from that fault's onset.
        int second = badNode;
        return load.stepTs(second, faults.get(second).onsetStep());
      }
      Integer j = job(a);
      if (j == null) {
        return 0;
      }
      JobFault f = faults.get(j);
      long ts = a.step() == null ? 0 : load.stepTs(j, a.step());
      if (ts == 0 || from(a) == FleetAlerts.From.ONSET) {
        ts = load.stepTs(j, f.onsetStep());
      }
      return ts;
    }

    @Override
    public FleetAlerts.From from(Alert a) {
      if (a.rule().equals("suspect_node") || a.rule().equals("job_hang") || a.step() == null) {
        return FleetAlerts.From.ONSET;
      }
      return FleetAlerts.From.STEP;
    }

    @Override
    public String bucket(Alert a) {
      return probes.containsKey(a.runId()) ? PROBES : a.rule();
    }

    @Override
    public String expectation(Alert a) {
      if (probes.containsKey(a.runId())) {
        return "probe:" + a.runId();
      }
      if (a.rule().equals("suspect_node")) {
        return "suspect_node@" + host(a);
      }
      Integer j = job(a);
      return j == null ? null : FleetLoad.jobName(j) + "/" + a.rule();
    }

    private Integer job(Alert a) {
      String job = a.job();
      if (job == null) {
        int r = a.runId().lastIndexOf("-r");
        job = r > 0 ? a.runId().substring(0, r) : a.runId();
      }
      return faultyJobs.get(job);
    }

    private static String host(Alert a) {
      if (a.placement() != null && a.placement().host() != null) {
        return a.placement().host();
      }
      Object h = a.evidence().get("host");
      return h == null ? a.runId() : h.toString();
    }

    private static long stepTs(Probe p, long step) {
      return step >= 0 && step < p.sentTs.length() ? p.sentTs.get((int) step) : 0;
    }
  }

  /**
   * Standalone faulty runs (no job: their alerts page at once, not grouped), started evenly over
   * the window, each sending a batch every step period until its first alert: the monitor's own
   * latency with the fleet's load on it.
   */
  private static final class Probes implements AutoCloseable {
    static final int MAX_STEPS = 200;
    private final Settings s;
    private final Map<String, Probe> runs;
    private final long fromNs;
    private final long toNs;
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<SimulatedRun> pool;
    private final Thread thread;
    private volatile int injected;
    private volatile boolean finished;

    Probes(String bootstrap, Settings s, Map<String, Probe> runs, long fromNs, long toNs) {
      this.s = s;
      this.runs = runs;
      this.fromNs = fromNs;
      // Leave the last probes time to fire before the window ends.
      this.toNs = fromNs + (long) ((toNs - fromNs) * 0.8);
      this.producer =
          new KafkaProducer<>(
              LatencyBench.trainerProducerConfig(bootstrap),
              new StringSerializer(),
              new ByteArraySerializer());
      this.pool =
          new Fleet(new FleetSpec("probe", Math.max(1, s.probes()), 1.0, s.seed() + 7)).runs();
      this.thread = new Thread(this::loop, "fleet-probes");
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    int injected() {
      return injected;
    }

    boolean done() {
      return finished || s.probes() == 0;
    }

    void stop() {
      stop.set(true);
    }

    private void loop() {
      long period = (long) (1e9 / s.stepsPerSecond());
      long every = s.probes() == 0 ? Long.MAX_VALUE : Math.max(1, (toNs - fromNs) / s.probes());
      List<Probe> active = new ArrayList<>();
      List<Long> nextDue = new ArrayList<>();
      int next = 0;
      while (!stop.get() || !active.isEmpty()) {
        long now = System.nanoTime();
        if (!stop.get() && next < s.probes() && now >= fromNs + next * every) {
          Probe p = new Probe(pool.get(next), MAX_STEPS);
          runs.put(p.run.runId(), p);
          send(p.run.started(System.currentTimeMillis()));
          active.add(p);
          nextDue.add(now);
          next++;
          injected = next;
        }
        for (int i = active.size() - 1; i >= 0; i--) {
          Probe p = active.get(i);
          if (p.latencyMs >= 0 || p.run.nextStep() >= MAX_STEPS || stop.get()) {
            active.remove(i);
            nextDue.remove(i);
          } else if (now >= nextDue.get(i)) {
            long ts = System.currentTimeMillis();
            p.sentTs.set((int) p.run.nextStep(), ts);
            send(p.run.nextBatch(ts));
            nextDue.set(i, nextDue.get(i) + period);
          }
        }
        if (stop.get() && active.isEmpty()) {
          break;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      producer.flush();
      finished = next >= s.probes();
    }

    private void send(TrainingEvent e) {
      producer.send(
          new ProducerRecord<>(Topics.EVENTS, null, e.tsMs(), e.runId(), EventCodec.encode(e)));
    }

    @Override
    public void close() {
      stop.set(true);
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      producer.close();
    }
  }
}
