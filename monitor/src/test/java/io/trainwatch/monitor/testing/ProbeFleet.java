package io.trainwatch.monitor.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * An independent generator of data-parallel jobs as other trainers publish them: contract JSON
 * written by hand from docs/trainer.md and schemas/ (not through the project's codec or simulator),
 * with the timing, logging and delivery habits of real fleets. Each job is one {@link Spec}; {@link
 * #events} returns its events in the order a monitor would receive them, each with the wall-clock
 * time at which it arrives. Deterministic for a seed.
 *
 * <p>Model: a synchronous step ends when the slowest rank's data wait + compute ends, plus an
 * all-reduce; every rank's {@code step_ms} is that step's wall time (a few ms of noise), {@code
 * compute_ms} and {@code data_ms} are the rank's own. A rank's report is stamped by its host's
 * clock (skew allowed) and arrives after a publish latency plus its partition's lag.
 */
public final class ProbeFleet {

  /** One event as it reaches the monitor. */
  public record Event(long wallMs, String runId, long tsMs, String json, int seq) {}

  /** Which ranks publish compute_ms / data_ms. */
  public enum Phases {
    ALL,
    NONE,
    EVEN_RANKS
  }

  /** A job and what happens to it. Public fields: a test sets what it needs. */
  public static final class Spec implements Cloneable {
    public String job = "job";
    public int ranks = 8;

    /** The world_size published: null leaves it out. */
    public Integer declaredWorld = Integer.MIN_VALUE; // MIN_VALUE: the true size

    public String hostPrefix = "node";
    public int ranksPerHost = 8;
    public int hostOffset = 0;
    public String framework = "pytorch";
    public int iterations = 300;
    public long startMs = 1_790_000_000_000L;
    public long wallLagMs = 0;

    // Logging habits
    public int logEvery = 1;
    public int firstStep = 0;
    public boolean onlyRank0Logs = false;

    /** Per-rank offset added to the step numbers a rank publishes (by rank). */
    public int[] stepOffset = null;

    /** Micro-batches per optimizer step, each logged with the same step number. */
    public int accumulation = 1;

    public Phases phases = Phases.ALL;
    public boolean gradNorm = true;

    // Timing
    public double computeMs = 180;
    public double dataMs = 8;
    public double allReduceMs = 25;
    public double computeSigma = 0.03; // lognormal
    public double paretoAlpha = 0; // > 0: data waits Pareto with this tail index
    public double ar1Phi = 0; // per-rank AR(1) slow drift of compute
    public double ar1Sigma = 0;
    public double diurnalAmplitude = 0; // e.g. 0.02
    public double diurnalPeriodSteps = 2000;
    public int checkpointEvery = 0; // every K iterations all ranks pause
    public double checkpointMs = 30_000;
    public int evalEvery = 0;
    public double evalMs = 8_000;
    public double warmupFactor = 1; // first iteration this many times slower
    public int allSlowFrom = -1; // every rank slows down together from this iteration
    public double allSlowFactor = 1.5;

    // Delivery
    public double duplicateProbability = 0;
    public int reorderWindow = 0; // events of a rank shuffled within this many
    public long[] partitionLagMs = null; // by rank % length: the partition's extra delay
    public long[] hostSkewMs = null; // by host index: the host clock's offset

    // Restarts
    public int restartAt = -1; // iteration at which the job is restarted (attempt + 1)
    public int resumeFrom = 0; // the step the new attempt resumes from
    public long restartGapMs = 90_000;
    public int restartRanks = -1; // ranks after the restart (elastic), -1: same
    public String restartHostPrefix = null; // hosts renamed after the restart
    public boolean restartEndsOldRuns = false; // the old ranks say run_ended failed

    // Faults
    public int slowRank = -1;
    public int slowFrom = -1; // the rank's compute slows by slowFactor from this iteration
    public double slowFactor = 1.2;
    public boolean slowData = false; // the rank's data wait grows instead (by slowFactor x compute)
    public int nanRank = -1;
    public int nanAt = -1; // one rank's loss NaN at this iteration, everyone's after
    public int hangRank = -1;
    public int hangAt = -1; // the rank never finishes this iteration
    public int allHangAt = -1; // every rank stops after this iteration
    public boolean finish = true; // run_ended completed after the last iteration
    public boolean onlyRank0Ends = false; // only rank 0 sends run_ended (if rank == 0: finish())
    public String endStatus = "completed"; // the run_ended status after the last iteration
    public boolean endAfterNan = false; // the ranks end (endStatus) right after the NaN spread
    public int firstAttempt = 0; // the attempt this spec starts at (a crash loop: one spec each)
    public int spikeAt = -1;
    public int spikeLength = 4; // -1: never recovers
    public double spikeFactor = 4;
    public boolean amp = false;
    public int ampSkipsAtStart = 0;
    public double ampSkipProbability = 0;
    public int scaleCollapseAt = -1; // from here on every step overflows
    public double lossScaleStart = 65536;
    public long seed = 1;

    public Spec copy() {
      try {
        return (Spec) super.clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private ProbeFleet() {}

  public static String runId(Spec s, int attempt, int rank) {
    return s.job + "-a" + attempt + "-r" + rank;
  }

  public static String host(Spec s, int attempt, int rank) {
    String prefix = attempt > 0 && s.restartHostPrefix != null ? s.restartHostPrefix : s.hostPrefix;
    return prefix + "-" + (s.hostOffset + rank / s.ranksPerHost);
  }

  private static final class Rank {
    final int rank;
    double ar;
    double lossScale;
    int goodSteps;

    Rank(int rank, double scale) {
      this.rank = rank;
      this.lossScale = scale;
    }
  }

  /** The job's events in arrival order. */
  public static List<Event> events(Spec s) {
    Random rnd = new Random(s.seed);
    List<Event> out = new ArrayList<>();
    int[] seq = {0};
    int attempt = s.firstAttempt;
    int world = s.ranks;
    long t = s.startMs;
    long step = s.firstStep;
    List<Rank> ranks = newRanks(s, world);
    startAll(s, attempt, world, t, rnd, out, seq);
    boolean nanSpread = false;
    boolean nanOver = false; // a restart resumes from a checkpoint before the NaN
    for (int it = 0; it < s.iterations; it++) {
      if (it == s.restartAt) {
        if (s.restartEndsOldRuns) {
          for (int r = 0; r < world; r++) {
            emit(
                s,
                out,
                seq,
                rnd,
                attempt,
                r,
                t + 50,
                ended(runId(s, attempt, r), t + 50, "failed"));
          }
        }
        attempt++;
        nanOver = s.nanAt >= 0 && it > s.nanAt;
        world = s.restartRanks > 0 ? s.restartRanks : world;
        ranks = newRanks(s, world);
        t += s.restartGapMs;
        step = s.resumeFrom;
        startAll(s, attempt, world, t, rnd, out, seq);
      }
      if (s.allHangAt >= 0 && it > s.allHangAt) {
        break;
      }
      // The iteration's timings.
      double slow = 1;
      if (s.allSlowFrom >= 0 && it >= s.allSlowFrom) {
        slow = s.allSlowFactor;
      }
      double diurnal = 1 + s.diurnalAmplitude * Math.sin(2 * Math.PI * it / s.diurnalPeriodSteps);
      double[] compute = new double[world];
      double[] data = new double[world];
      double slowest = 0;
      for (Rank r : ranks) {
        r.ar = s.ar1Phi * r.ar + s.ar1Sigma * rnd.nextGaussian();
        double c =
            s.computeMs * slow * diurnal * Math.exp(s.computeSigma * rnd.nextGaussian() + r.ar);
        if (it == 0) {
          c *= s.warmupFactor;
        }
        double d;
        if (s.paretoAlpha > 0) {
          d = s.dataMs * Math.pow(1 - rnd.nextDouble(), -1 / s.paretoAlpha) * 0.5;
        } else {
          d = s.dataMs * Math.exp(0.2 * rnd.nextGaussian());
        }
        if (r.rank == s.slowRank && s.slowFrom >= 0 && it >= s.slowFrom) {
          if (s.slowData) {
            d += (s.slowFactor - 1) * s.computeMs;
          } else {
            c *= s.slowFactor;
          }
        }
        compute[r.rank] = c;
        data[r.rank] = d;
        slowest = Math.max(slowest, c + d);
      }
      double stepMs = slowest + s.allReduceMs;
      if (s.checkpointEvery > 0 && it > 0 && it % s.checkpointEvery == 0) {
        stepMs += s.checkpointMs;
      }
      if (s.evalEvery > 0 && it > 0 && it % s.evalEvery == 0) {
        stepMs += s.evalMs;
      }
      t += (long) stepMs;
      double level = 2.2 * Math.exp(-it / 1500.0) + 0.6;
      boolean spiking =
          s.spikeAt >= 0
              && it >= s.spikeAt
              && (s.spikeLength < 0 || it < s.spikeAt + s.spikeLength);
      if (spiking) {
        level *= s.spikeFactor;
      }
      boolean logged = (step - s.firstStep) % s.logEvery == 0;
      boolean collapse = s.scaleCollapseAt >= 0 && it >= s.scaleCollapseAt;
      boolean skip =
          s.amp
              && (collapse
                  || it < s.ampSkipsAtStart
                  || (it > s.ampSkipsAtStart && rnd.nextDouble() < s.ampSkipProbability));
      nanSpread = s.nanAt >= 0 && it > s.nanAt && !nanOver;
      for (Rank r : ranks) {
        if (s.hangAt >= 0 && it >= s.hangAt && (r.rank == s.hangRank || it > s.hangAt)) {
          continue; // the hung rank never ends this step; the others wait in the next all-reduce
        }
        if (s.onlyRank0Logs && r.rank != 0) {
          continue;
        }
        if (s.amp) {
          if (skip) {
            r.lossScale = Math.max(1, r.lossScale / 2);
            r.goodSteps = 0;
          } else if (++r.goodSteps >= 2000) {
            r.lossScale *= 2;
            r.goodSteps = 0;
          }
        }
        if (!logged) {
          continue;
        }
        double loss = level * Math.exp(0.05 * rnd.nextGaussian());
        double grad = 1.2 * Math.exp(0.25 * rnd.nextGaussian()) * (spiking ? 3 : 1);
        if (nanSpread || (!nanOver && it == s.nanAt && r.rank == s.nanRank)) {
          loss = Double.NaN;
          grad = Double.NaN;
        }
        if (skip) {
          grad = Double.POSITIVE_INFINITY;
        }
        long published = step + (s.stepOffset == null ? 0 : s.stepOffset[r.rank]);
        for (int micro = 0; micro < s.accumulation; micro++) {
          long ts = t - (long) ((s.accumulation - 1 - micro) * stepMs / s.accumulation);
          ts += 1 + rnd.nextInt(5);
          ts += skew(s, attempt, r.rank);
          String json =
              batch(
                  s,
                  runId(s, attempt, r.rank),
                  ts,
                  published,
                  loss,
                  grad,
                  stepMs / s.accumulation + rnd.nextDouble() * 3,
                  phase(s, r.rank) ? data[r.rank] : null,
                  phase(s, r.rank) ? compute[r.rank] : null,
                  s.amp ? r.lossScale : null,
                  s.amp ? skip : null);
          emit(s, out, seq, rnd, attempt, r.rank, t, json);
          if (s.duplicateProbability > 0 && rnd.nextDouble() < s.duplicateProbability) {
            emit(s, out, seq, rnd, attempt, r.rank, t + 200 + rnd.nextInt(2000), json);
          }
        }
      }
      step++;
      if (s.hangAt >= 0 && it >= s.hangAt) {
        break;
      }
      if (s.endAfterNan && s.nanAt >= 0 && it == s.nanAt + 2) {
        break;
      }
    }
    if (s.finish && s.hangAt < 0 && s.allHangAt < 0) {
      t += 500;
      for (int r = 0; r < world; r++) {
        if ((s.onlyRank0Logs || s.onlyRank0Ends) && r != 0) {
          continue;
        }
        emit(s, out, seq, rnd, attempt, r, t, ended(runId(s, attempt, r), t, s.endStatus));
      }
    }
    if (s.reorderWindow > 0) {
      reorder(out, s.reorderWindow, rnd);
    }
    out.sort(Comparator.comparingLong(Event::wallMs).thenComparingInt(Event::seq));
    return out;
  }

  private static List<Rank> newRanks(Spec s, int world) {
    List<Rank> ranks = new ArrayList<>();
    for (int r = 0; r < world; r++) {
      ranks.add(new Rank(r, s.lossScaleStart));
    }
    return ranks;
  }

  private static boolean phase(Spec s, int rank) {
    return switch (s.phases) {
      case ALL -> true;
      case NONE -> false;
      case EVEN_RANKS -> rank % 2 == 0;
    };
  }

  private static long skew(Spec s, int attempt, int rank) {
    if (s.hostSkewMs == null) {
      return 0;
    }
    return s.hostSkewMs[(rank / s.ranksPerHost) % s.hostSkewMs.length];
  }

  private static void startAll(
      Spec s, int attempt, int world, long t, Random rnd, List<Event> out, int[] seq) {
    for (int r = 0; r < world; r++) {
      if (s.onlyRank0Logs && r != 0) {
        continue;
      }
      long ts = t - 5_000 + skew(s, attempt, r);
      StringBuilder j = new StringBuilder();
      j.append("{\"schema_version\":1,\"type\":\"run_started\"")
          .append(",\"run_id\":\"")
          .append(runId(s, attempt, r))
          .append("\",\"ts_ms\":")
          .append(ts)
          .append(",\"framework\":\"")
          .append(s.framework)
          .append("\",\"job\":\"")
          .append(s.job)
          .append("\",\"host\":\"")
          .append(host(s, attempt, r))
          .append("\",\"rank\":")
          .append(r);
      Integer declared = s.declaredWorld == null ? null : s.declaredWorld;
      if (declared != null) {
        j.append(",\"world_size\":").append(declared == Integer.MIN_VALUE ? world : declared);
      }
      j.append(",\"device\":\"GPU-")
          .append(host(s, attempt, r))
          .append('-')
          .append(r % s.ranksPerHost)
          .append("\",\"attempt\":")
          .append(attempt)
          .append(",\"model\":\"probe transformer\",\"input_encoding\":\"token_ids\"")
          .append(
              ",\"loss\":{\"name\":\"cross_entropy\",\"input_kind\":\"logits\",\"lower_bound\":0}}");
      emit(s, out, seq, rnd, attempt, r, t - 5_000, j.toString());
    }
  }

  private static String ended(String runId, long ts, String status) {
    return "{\"schema_version\":1,\"type\":\"run_ended\",\"run_id\":\""
        + runId
        + "\",\"ts_ms\":"
        + ts
        + ",\"status\":\""
        + status
        + "\"}";
  }

  private static String num(double v) {
    if (Double.isNaN(v)) {
      return "\"NaN\"";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    }
    return String.format(Locale.ROOT, "%.6g", v);
  }

  private static String batch(
      Spec s,
      String runId,
      long ts,
      long step,
      double loss,
      double grad,
      double stepMs,
      Double dataMs,
      Double computeMs,
      Double lossScale,
      Boolean skipped) {
    StringBuilder j = new StringBuilder(512);
    j.append("{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"")
        .append(runId)
        .append("\",\"ts_ms\":")
        .append(ts)
        .append(",\"step\":")
        .append(step)
        .append(",\"batch_size\":32,\"loss\":")
        .append(num(loss))
        .append(
            ",\"input\":{\"min\":0,\"max\":50255,\"mean\":12873.4,\"std\":11920.2,\"nonfinite\":0,\"count\":16384}")
        .append(",\"output\":{\"min\":-14.2,\"max\":12.9,\"mean\":0.01,\"std\":")
        .append(num(2.3 + 0.01 * (step % 7)))
        .append(",\"nonfinite\":0,\"count\":1647312}");
    if (s.gradNorm) {
      j.append(",\"grad_norm\":").append(num(grad));
    }
    j.append(",\"lr\":0.0003,\"step_ms\":").append(num(stepMs));
    if (dataMs != null) {
      j.append(",\"data_ms\":").append(num(dataMs));
    }
    if (computeMs != null) {
      j.append(",\"compute_ms\":").append(num(computeMs));
    }
    if (lossScale != null) {
      j.append(",\"loss_scale\":").append(num(lossScale));
    }
    if (skipped != null) {
      j.append(",\"skipped\":").append(skipped);
    }
    return j.append('}').toString();
  }

  private static void emit(
      Spec s, List<Event> out, int[] seq, Random rnd, int attempt, int rank, long t, String json) {
    long lag = s.partitionLagMs == null ? 0 : s.partitionLagMs[rank % s.partitionLagMs.length];
    long wall = t + s.wallLagMs + lag + 5 + rnd.nextInt(40);
    long ts = tsOf(json);
    out.add(new Event(wall, runId(s, attempt, rank), ts, json, seq[0]++));
  }

  private static long tsOf(String json) {
    int i = json.indexOf("\"ts_ms\":") + 8;
    int e = i;
    while (e < json.length() && (Character.isDigit(json.charAt(e)) || json.charAt(e) == '-')) {
      e++;
    }
    return Long.parseLong(json.substring(i, e));
  }

  /** Swaps the arrival times of events of one run within a window (at-least-once retries). */
  private static void reorder(List<Event> out, int window, Random rnd) {
    java.util.Map<String, List<Integer>> byRun = new java.util.HashMap<>();
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).json().contains("\"type\":\"batch\"")) {
        byRun.computeIfAbsent(out.get(i).runId(), k -> new ArrayList<>()).add(i);
      }
    }
    for (List<Integer> idx : byRun.values()) {
      for (int k = 0; k + 1 < idx.size(); k++) {
        if (rnd.nextDouble() < 0.3) {
          int other = Math.min(idx.size() - 1, k + 1 + rnd.nextInt(window));
          Event a = out.get(idx.get(k));
          Event b = out.get(idx.get(other));
          out.set(idx.get(k), new Event(b.wallMs(), a.runId(), a.tsMs(), a.json(), b.seq()));
          out.set(idx.get(other), new Event(a.wallMs(), b.runId(), b.tsMs(), b.json(), a.seq()));
        }
      }
    }
  }
}
