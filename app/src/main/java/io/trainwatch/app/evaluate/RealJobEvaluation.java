package io.trainwatch.app.evaluate;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.schemas.RankFault;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.simulator.SimulatedFleet;
import io.trainwatch.trainer.DataParallelTraining;
import io.trainwatch.trainer.TrainingSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Real DL4J data-parallel jobs ({@link DataParallelTraining}: 4 ranks, each a thread training its
 * replica on its shard with a real all-reduce every step, each publishing as its rank through its
 * own {@code TrainwatchListener} and {@code KafkaEventPublisher} to an embedded broker), one
 * healthy and one per rank fault: 20% and 5% slower compute, a hang, a NaN. Their events are read
 * back from {@code trainwatch.events} and piped through the monitor's topology in a {@code
 * TopologyTestDriver} whose wall clock follows the events' timestamps (then runs on for the hang),
 * with the monitor's built-in configuration, exactly as the simulated fleets are; then each job is
 * scored as a {@link FleetCase}.
 */
public final class RealJobEvaluation {

  /** Ranks per job. */
  public static final int WORLD_SIZE = 4;

  /** Steps of a job (the NaN job stops earlier). */
  public static final int STEPS = 200;

  /** The step every fault begins at: after the JIT and the first epochs have settled. */
  public static final int ONSET = 60;

  /** Steps the NaN job runs on after its onset, NaN on every rank, before it ends. */
  static final int NAN_TAIL = 20;

  /** The rank every fault is on. */
  public static final int FAULTY_RANK = 2;

  /** Steps left out of the noise measure: the JIT compiles the training code meanwhile. */
  static final int WARM_UP = 20;

  /**
   * The most per-step noise under which {@code straggler_rank} can meet the bar: a 5% slowdown over
   * a 48-step window clears its tolerance (1.5%) by 4 standard errors only if the noise is at most
   * about 5%; a 20% one over 8 steps, 9%. Above, a miss says more about the host than about the
   * rule.
   */
  public static final double MAX_NOISE_FOR_5_PERCENT = 0.05;

  public static final double MAX_NOISE_FOR_20_PERCENT = 0.09;

  /** Wall-clock time the monitor runs on after a job's last event (a hang needs 60 s and more). */
  static final Duration AFTERMATH = Duration.ofMinutes(5);

  private RealJobEvaluation() {}

  /** One job of the evaluation, what it does and what the monitor must say. */
  public record Job(DataParallelTraining.Spec spec, FleetCase expected) {}

  /**
   * What one job did and what was said.
   *
   * @param report the job's report (ranks, steps, events dropped)
   * @param result the scored case
   * @param events events the monitor read
   * @param computeRatio the faulty rank's median {@code compute_ms} over its peers' median, from
   *     the onset on (healthy job: rank {@link #FAULTY_RANK}'s): the slowdown as measured
   * @param medianComputeMs the peers' median {@code compute_ms} from the onset on
   * @param medianStepMs the median {@code step_ms} of all ranks from the onset on
   * @param noise the per-step noise of the healthy ranks' {@code compute_ms} (a robust standard
   *     deviation of ln(rank's / the other ranks' median at the same step), from step {@link
   *     #WARM_UP}): what {@code straggler_rank} has to see a slowdown through
   * @param seconds how long the job trained
   */
  public record JobOutcome(
      Job job,
      DataParallelTraining.Report report,
      FleetCaseResult result,
      long events,
      double computeRatio,
      double medianComputeMs,
      double medianStepMs,
      double noise,
      double seconds) {

    /**
     * {@code true} if the job did what it was meant to: every rank trained every step and ended
     * {@code completed}, or, for the hang, the job hung and was torn down; {@code false} otherwise
     * (the verdict about it then means nothing).
     */
    public boolean ranAsDesigned() {
      if (job.spec().fault().kind() == RankFault.HANG) {
        return report.hung();
      }
      return !report.hung()
          && report.ranks().stream()
              .allMatch(
                  r ->
                      r.status() == io.trainwatch.schemas.RunStatus.COMPLETED
                          && r.stepsRun() == job.spec().model().steps());
    }

    /**
     * The most per-step compute noise under which this job's timing verdicts mean anything: a
     * straggler's, and a healthy job's {@code straggler_rank}; infinite for the others.
     */
    public double noiseLimit() {
      JobFault f = job.spec().fault();
      if (f.kind() == RankFault.NONE) {
        return MAX_NOISE_FOR_5_PERCENT;
      }
      if (f.kind() != RankFault.SLOW_COMPUTE) {
        return Double.POSITIVE_INFINITY;
      }
      return f.factor() >= 1.2 ? MAX_NOISE_FOR_20_PERCENT : MAX_NOISE_FOR_5_PERCENT;
    }

    /** {@code true} if the host's noise lets the timing verdicts mean something. */
    public boolean timingsJudged() {
      return noise <= noiseLimit();
    }

    /**
     * Why the job misses the bar; empty if it meets it. Where the host was too loaded for timings
     * to mean anything ({@link #timingsJudged()} false), a straggler that was not named in time, or
     * a healthy job's {@code straggler_rank}, is not counted.
     */
    public List<String> failures() {
      List<String> why = new ArrayList<>();
      if (!ranAsDesigned()) {
        why.add("the job did not run as designed: " + report.summary());
      }
      FleetCaseResult j = result;
      if (!timingsJudged()) {
        j =
            new FleetCaseResult(
                j.fleetCase(),
                j.alerts().stream().filter(a -> !a.rule().equals("straggler_rank")).toList());
        if (!j.fleetCase().healthy()) {
          return why; // a straggler's verdict: not judged
        }
      }
      why.addAll(j.failures());
      return why;
    }

    public boolean meetsBar() {
      return failures().isEmpty();
    }

    /** The report's verdict: ok, not judged (with the noise), or what fails. */
    public String verdict() {
      List<String> why = failures();
      String noiseNote =
          timingsJudged()
              ? ""
              : String.format(
                  java.util.Locale.ROOT,
                  "; timings not judged: compute noise %.3f > %.2f",
                  noise,
                  noiseLimit());
      return (why.isEmpty() ? "ok" : "**FAIL**: " + String.join("; ", why)) + noiseNote;
    }
  }

  /**
   * Everything the evaluation said.
   *
   * @param jobs in order
   * @param seconds the whole evaluation, broker start included
   */
  public record Outcome(List<JobOutcome> jobs, double seconds) {

    public List<FleetCaseResult> cases() {
      return jobs.stream().map(JobOutcome::result).toList();
    }

    public boolean meetsBar() {
      return jobs.stream().allMatch(JobOutcome::meetsBar);
    }

    /** One line for people. */
    public String summary() {
      long faulty = jobs.stream().filter(o -> !o.result().fleetCase().healthy()).count();
      long detected =
          jobs.stream()
              .filter(o -> !o.result().fleetCase().healthy() && o.result().detected())
              .count();
      long notJudged = jobs.stream().filter(o -> !o.timingsJudged()).count();
      return String.format(
          java.util.Locale.ROOT,
          "real DL4J jobs: %d/%d faults detected in time, %d job(s) whose timings were not judged"
              + " (host too loaded): %s",
          detected,
          faulty,
          notJudged,
          meetsBar()
              ? "meets the bar"
              : "MISSES the bar ("
                  + String.join(
                      ", ",
                      jobs.stream()
                          .filter(o -> !o.meetsBar())
                          .map(o -> o.result().fleetCase().subject())
                          .toList())
                  + ")");
    }
  }

  /** The jobs: healthy, 20% and 5% slower compute, a hang and a NaN, all on rank 2. */
  public static List<Job> jobs() {
    String scenario = "dl4j-jobs";
    List<Job> out = new ArrayList<>();
    out.add(
        new Job(
            spec("dl4j-healthy", STEPS, JobFault.NONE),
            FleetCase.healthy(scenario, "dl4j-healthy", "healthy: 4 ranks, nothing wrong")));
    JobFault slow20 = JobFault.slowCompute(FAULTY_RANK, ONSET, 1.20);
    out.add(
        new Job(
            spec("dl4j-straggler-20", STEPS, slow20),
            faulty(
                scenario,
                "dl4j-straggler-20",
                slow20,
                "straggler_rank",
                "slow_compute",
                SimulatedFleetEvaluation.STRAGGLER_20_BAR)));
    JobFault slow5 = JobFault.slowCompute(FAULTY_RANK, ONSET, 1.05);
    out.add(
        new Job(
            spec("dl4j-straggler-5", STEPS, slow5),
            faulty(
                scenario,
                "dl4j-straggler-5",
                slow5,
                "straggler_rank",
                "slow_compute",
                SimulatedFleetEvaluation.STRAGGLER_5_BAR)));
    JobFault hang = JobFault.hang(FAULTY_RANK, ONSET);
    out.add(
        new Job(
            spec("dl4j-hang", STEPS, hang),
            faulty(scenario, "dl4j-hang", hang, "job_hang", "job_stopped", -1)));
    JobFault nan = JobFault.nanRank(FAULTY_RANK, ONSET);
    out.add(
        new Job(
            spec("dl4j-nan", ONSET + NAN_TAIL, nan),
            faulty(
                scenario,
                "dl4j-nan",
                nan,
                "rank_divergence",
                "nonfinite_on_rank",
                SimulatedFleetEvaluation.DIVERGENCE_BAR)));
    return out;
  }

  /** Rank r's host in a job: a host of its own per rank, as in a multi-node job. */
  public static String host(String job, int rank) {
    return job + "-node" + rank;
  }

  private static DataParallelTraining.Spec spec(String job, int steps, JobFault fault) {
    List<String> hosts = new ArrayList<>();
    for (int r = 0; r < WORLD_SIZE; r++) {
      hosts.add(host(job, r));
    }
    TrainingSpec model = TrainingSpec.of(job, Fault.NONE).withSteps(steps);
    return DataParallelTraining.Spec.of(job, WORLD_SIZE, model).withHosts(hosts).withFault(fault);
  }

  private static FleetCase faulty(
      String scenario,
      String job,
      JobFault fault,
      String rule,
      String diagnosis,
      int maxDelaySteps) {
    String what =
        switch (fault.kind()) {
          case SLOW_COMPUTE -> fault.describe() + " (its compute phase waits that much longer)";
          case HANG ->
              fault.describe()
                  + " (in its optimizer step): its peers report the step and block in the next"
                  + " all-reduce";
          case NAN_RANK ->
              fault.describe()
                  + ": its loss is NaN there, every rank's from the next step (the all-reduce"
                  + " spreads it)";
          case NONE, SLOW_DATA ->
              throw new IllegalArgumentException(fault.kind().wire() + ": not a DL4J job's fault");
        };
    return new FleetCase(
        scenario,
        job,
        what,
        rule,
        diagnosis,
        fault.rank(),
        host(job, fault.rank()),
        fault.onsetStep(),
        maxDelaySteps);
  }

  /**
   * Trains every job, one after the other, on an embedded broker, and scores what the monitor says
   * about each.
   *
   * @param progress hears one line per job
   */
  public static Outcome run(List<Job> jobs, Consumer<String> progress) throws Exception {
    long started = System.nanoTime();
    MonitorConfig config =
        MonitorConfig.defaults().withStateStore(MonitorConfig.StateStoreType.IN_MEMORY);
    List<JobOutcome> out = new ArrayList<>();
    // Each rank's work on its own thread, so that its CPU time is its compute (ComputeClock).
    int threads = Nd4j.getEnvironment().maxThreads();
    int masterThreads = Nd4j.getEnvironment().maxMasterThreads();
    int blasThreads = Nd4j.factory().blas().getMaxThreads();
    setNativeThreads(1, 1, 1);
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      broker.createTopic(Topics.EVENTS, 3);
      for (Job job : jobs) {
        long t0 = System.nanoTime();
        DataParallelTraining.Report report =
            DataParallelTraining.run(job.spec(), broker.bootstrapServers());
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<TrainingEvent> events = readJob(broker.bootstrapServers(), job.spec().job());
        List<Alert> alerts = judge(events, config);
        FleetCaseResult result = new FleetCaseResult(job.expected(), alerts);
        JobOutcome o = outcome(job, report, result, events, seconds);
        out.add(o);
        progress.accept(
            String.format(
                java.util.Locale.ROOT,
                "%s in %.0f s; noise %.3f; rank %d computes %.2fx its peers' median (%s); %s: %s",
                report.summary(),
                seconds,
                o.noise(),
                FAULTY_RANK,
                o.computeRatio(),
                phases(events),
                result.firedSummary().isEmpty() ? "nothing fired" : result.firedSummary(),
                o.verdict()));
      }
    } finally {
      setNativeThreads(threads, masterThreads, blasThreads);
    }
    return new Outcome(out, (System.nanoTime() - started) / 1e9);
  }

  private static void setNativeThreads(int threads, int masterThreads, int blasThreads) {
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(masterThreads);
    Nd4j.factory().blas().setMaxThreads(blasThreads);
  }

  /** The monitor's alerts about one job's events, piped in at their timestamps. */
  static List<Alert> judge(List<TrainingEvent> events, MonitorConfig config) throws IOException {
    List<SimulatedFleet.Timed> timed = new ArrayList<>();
    for (TrainingEvent e : events) {
      timed.add(new SimulatedFleet.Timed(e.tsMs(), e));
    }
    long start = timed.isEmpty() ? 0 : timed.get(0).wallMs();
    return SimulatedFleetEvaluation.drive(timed, start, AFTERMATH, config);
  }

  private static JobOutcome outcome(
      Job job,
      DataParallelTraining.Report report,
      FleetCaseResult result,
      List<TrainingEvent> events,
      double seconds) {
    Map<String, Integer> rankOf = new HashMap<>();
    for (TrainingEvent e : events) {
      if (e instanceof RunStarted s && s.rank() != null) {
        rankOf.put(s.runId(), s.rank());
      }
    }
    List<Double> own = new ArrayList<>();
    List<Double> peers = new ArrayList<>();
    List<Double> steps = new ArrayList<>();
    for (TrainingEvent e : events) {
      if (e instanceof BatchEvent b && b.step() >= ONSET && b.computeMs() != null) {
        boolean faulty = Integer.valueOf(FAULTY_RANK).equals(rankOf.get(b.runId()));
        (faulty ? own : peers).add(b.computeMs());
        if (b.stepMs() != null) {
          steps.add(b.stepMs());
        }
      }
    }
    double peerMedian = median(peers);
    return new JobOutcome(
        job,
        report,
        result,
        events.size(),
        median(own) / peerMedian,
        peerMedian,
        median(steps),
        noise(events, rankOf),
        seconds);
  }

  /**
   * The healthy ranks' per-step noise: at each step from {@link #WARM_UP}, x = ln(rank's compute_ms
   * / the other ranks' median); 1.4826 x the median absolute deviation of all x.
   */
  static double noise(List<TrainingEvent> events, Map<String, Integer> rankOf) {
    Map<Long, Map<Integer, Double>> byStep = new java.util.TreeMap<>();
    for (TrainingEvent e : events) {
      if (e instanceof BatchEvent b
          && b.step() >= WARM_UP
          && b.computeMs() != null
          && b.computeMs() > 0
          && rankOf.containsKey(b.runId())) {
        byStep
            .computeIfAbsent(b.step(), k -> new HashMap<>())
            .put(rankOf.get(b.runId()), b.computeMs());
      }
    }
    List<Double> x = new ArrayList<>();
    for (Map<Integer, Double> ranks : byStep.values()) {
      for (Map.Entry<Integer, Double> r : ranks.entrySet()) {
        if (r.getKey() == FAULTY_RANK || ranks.size() < 3) {
          continue;
        }
        List<Double> others = new ArrayList<>();
        ranks.forEach(
            (q, v) -> {
              if (!q.equals(r.getKey())) {
                others.add(v);
              }
            });
        x.add(Math.log(r.getValue() / median(others)));
      }
    }
    if (x.size() < 10) {
      return Double.NaN;
    }
    double m = median(x);
    List<Double> dev = new ArrayList<>();
    for (double v : x) {
      dev.add(Math.abs(v - m));
    }
    return 1.4826 * median(dev);
  }

  /** Each rank's median and 90th percentile compute_ms and data_ms from the onset on. */
  static String phases(List<TrainingEvent> events) {
    Map<String, List<Double>> compute = new java.util.TreeMap<>();
    Map<String, List<Double>> dataMs = new java.util.TreeMap<>();
    for (TrainingEvent e : events) {
      if (e instanceof BatchEvent b && b.step() >= ONSET) {
        if (b.computeMs() != null) {
          compute.computeIfAbsent(b.runId(), k -> new ArrayList<>()).add(b.computeMs());
        }
        if (b.dataMs() != null) {
          dataMs.computeIfAbsent(b.runId(), k -> new ArrayList<>()).add(b.dataMs());
        }
      }
    }
    StringBuilder s = new StringBuilder();
    for (String run : compute.keySet()) {
      s.append(s.length() == 0 ? "" : ", ")
          .append(run.substring(run.lastIndexOf('-') + 1))
          .append(
              String.format(
                  java.util.Locale.ROOT,
                  " compute %.3f/%.3f data %.3f/%.3f",
                  quantile(compute.get(run), 0.5),
                  quantile(compute.get(run), 0.9),
                  quantile(dataMs.getOrDefault(run, List.of()), 0.5),
                  quantile(dataMs.getOrDefault(run, List.of()), 0.9)));
    }
    return s.toString();
  }

  private static double quantile(List<Double> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    return v[(int) Math.min(v.length - 1, Math.floor(q * v.length))];
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /**
   * The job's events as the broker holds them, in the order the monitor would read them: each
   * rank's in its partition's order, the ranks merged by timestamp.
   */
  static List<TrainingEvent> readJob(String bootstrap, String job) {
    Map<String, Object> props =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "trainwatch-evaluate-jobs-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            "false");
    List<TrainingEvent> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.EVENTS).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + Topics.EVENTS + " back in 60 s");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          TrainingEvent e = EventCodec.decode(r.value());
          if (e.runId().startsWith(job + "-a")) {
            out.add(e);
          }
        }
      }
    }
    // A stable sort: a rank's events keep their order (their timestamps never go back).
    out.sort(Comparator.comparingLong(TrainingEvent::tsMs));
    return out;
  }
}
