package io.trainwatch.monitor.testing;

import io.trainwatch.monitor.alerting.JobEmission;
import io.trainwatch.monitor.alerting.JobEvaluator;
import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.job.StepLookup;
import io.trainwatch.monitor.job.StepStats;
import io.trainwatch.monitor.rules.RunSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One job run through the {@link JobEvaluator} without Kafka: the stores are maps. Collects every
 * emission with the step it was emitted at.
 */
public final class JobHarness {

  /** An emission and when it happened. */
  public record Emitted(JobEmission emission, long step, long wallMs) {

    public String rule() {
      return emission.emission().rule().id();
    }

    public boolean firing() {
      return emission.emission().firing();
    }
  }

  private final String job;
  private final int world;
  private final RunSettings settings;
  private final JobEvaluator evaluator = new JobEvaluator();
  private final JobState state = new JobState();
  private final Map<Integer, RankState> ranks = new TreeMap<>();
  private final Map<Long, StepStats> steps = new HashMap<>();
  private final List<Emitted> emitted = new ArrayList<>();
  private final StepLookup lookup =
      new StepLookup() {
        @Override
        public StepStats get(long step) {
          return steps.get(step);
        }

        @Override
        public void put(long step, StepStats s) {
          steps.put(step, s);
        }
      };

  public JobHarness(String job, int world, RunSettings settings) {
    this.job = job;
    this.world = world;
    this.settings = settings;
  }

  /** Delivers one report. */
  public void deliver(FleetSimulator.Report r) {
    RankState rank =
        ranks.computeIfAbsent(
            r.rank(),
            k -> {
              state.learn(0, world, k, "pytorch", true);
              return new RankState(
                  job + "-r" + k, k, FleetSimulator.host(job, k), FleetSimulator.device(k));
            });
    for (JobEmission e :
        evaluator.onBatch(job, state, rank, r.sample(), lookup, settings, r.wallMs())) {
      emitted.add(new Emitted(e, r.sample().step(), r.wallMs()));
    }
    steps.keySet().removeIf(s -> s <= state.maxStep() - JobEvaluator.STEP_RETENTION);
  }

  /** Delivers reports in order. */
  public JobHarness deliverAll(List<FleetSimulator.Report> reports) {
    reports.forEach(this::deliver);
    return this;
  }

  /** A wall-clock check: judges what waited for late peers, then looks for a hang. */
  public void tick(long nowMs, long watchingSinceMs) {
    for (RankState r : ranks.values()) {
      List<JobEmission> out = new ArrayList<>();
      evaluator.judge(job, state, r, lookup, settings, out);
      out.forEach(e -> emitted.add(new Emitted(e, state.maxStep(), nowMs)));
    }
    for (JobEmission e :
        evaluator.onWallClock(
            job, state, () -> new ArrayList<>(ranks.values()), nowMs, watchingSinceMs, settings)) {
      emitted.add(new Emitted(e, state.maxStep(), nowMs));
    }
  }

  public List<Emitted> emitted() {
    return emitted;
  }

  /** Firing emissions of a rule. */
  public List<Emitted> firing(String rule) {
    return emitted.stream().filter(e -> e.firing() && e.rule().equals(rule)).toList();
  }

  public JobState state() {
    return state;
  }

  public Map<Integer, RankState> ranks() {
    return ranks;
  }

  /** The stored step reports. */
  public java.util.Collection<StepStats> steps() {
    return steps.values();
  }

  public int storedSteps() {
    return steps.size();
  }
}
