package io.trainwatch.bench;

import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.simulator.RunProfile;
import io.trainwatch.simulator.SimulatedRun;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A simulated fleet of concurrent training runs, a few percent of them faulty.
 *
 * <p>{@link #events} interleaves the runs the way a shared topic sees them: in rounds, each round
 * one batch of every run in a fresh random order, each run's {@code run_started} just before its
 * first batch. Same spec, same events.
 */
public final class Fleet {

  /**
   * Share of healthy runs whose loss is legitimately negative (Gaussian NLL): a monitor must stay
   * quiet on them.
   */
  static final double GAUSSIAN_NLL_SHARE = 0.05;

  private static final RunProfile[] FAULTS = {
    RunProfile.SOFTMAX_INTO_NLL, RunProfile.UNNORMALIZED_INPUT, RunProfile.DIVERGING
  };

  private final FleetSpec spec;
  private final List<SimulatedRun> runs;

  public Fleet(FleetSpec spec) {
    this.spec = spec;
    this.runs = createRuns(spec);
  }

  public FleetSpec spec() {
    return spec;
  }

  /** The runs, in index order. */
  public List<SimulatedRun> runs() {
    return runs;
  }

  /** Number of runs with a fault. */
  public int faultyRuns() {
    return (int) runs.stream().filter(r -> r.profile().faulty()).count();
  }

  /**
   * The pre-load stream: {@code batchEvents} batches plus one {@code run_started} per run that gets
   * a batch.
   *
   * @param startMs timestamp of the first event
   * @param spacingMicros timestamp distance between consecutive events (100 = a nominal 10,000
   *     events/s)
   */
  public Iterator<TrainingEvent> events(long batchEvents, long startMs, long spacingMicros) {
    if (batchEvents < 0) {
      throw new IllegalArgumentException("batchEvents=" + batchEvents + ": must be >= 0");
    }
    return new Interleaver(batchEvents, startMs, spacingMicros);
  }

  /** Number of events {@link #events} yields for that many batches. */
  public long eventCount(long batchEvents) {
    return batchEvents + Math.min(batchEvents, runs.size());
  }

  private static List<SimulatedRun> createRuns(FleetSpec spec) {
    SplittableRandom random = new SplittableRandom(spec.seed());
    int faulty = (int) Math.round(spec.runs() * spec.faultyFraction());
    List<Integer> order = new ArrayList<>(spec.runs());
    for (int i = 0; i < spec.runs(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new java.util.Random(spec.seed()));
    RunProfile[] profiles = new RunProfile[spec.runs()];
    for (int k = 0; k < spec.runs(); k++) {
      int index = order.get(k);
      if (k < faulty) {
        profiles[index] = FAULTS[k % FAULTS.length];
      } else {
        profiles[index] =
            random.nextDouble() < GAUSSIAN_NLL_SHARE ? RunProfile.GAUSSIAN_NLL : RunProfile.HEALTHY;
      }
    }
    int digits = String.valueOf(spec.runs() - 1).length();
    List<SimulatedRun> runs = new ArrayList<>(spec.runs());
    for (int i = 0; i < spec.runs(); i++) {
      String runId = spec.runIdPrefix() + "-" + String.format(Locale.ROOT, "%0" + digits + "d", i);
      runs.add(new SimulatedRun(runId, i, profiles[i], spec.seed() * 1_000_003L + i));
    }
    return List.copyOf(runs);
  }

  private final class Interleaver implements Iterator<TrainingEvent> {
    private final long batchEvents;
    private final long startMs;
    private final long spacingMicros;
    private final SplittableRandom random = new SplittableRandom(spec.seed() ^ 0x5DEECE66DL);
    private final int[] round;
    private final boolean[] started;
    private int positionInRound;
    private long batchesEmitted;
    private long eventsEmitted;

    Interleaver(long batchEvents, long startMs, long spacingMicros) {
      this.batchEvents = batchEvents;
      this.startMs = startMs;
      this.spacingMicros = spacingMicros;
      this.round = new int[runs.size()];
      for (int i = 0; i < round.length; i++) {
        round[i] = i;
      }
      this.started = new boolean[runs.size()];
      this.positionInRound = round.length;
    }

    @Override
    public boolean hasNext() {
      return batchesEmitted < batchEvents;
    }

    @Override
    public TrainingEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      if (positionInRound == round.length) {
        shuffle(round);
        positionInRound = 0;
      }
      int index = round[positionInRound];
      SimulatedRun run = runs.get(index);
      long tsMs = startMs + eventsEmitted * spacingMicros / 1000;
      eventsEmitted++;
      if (!started[index]) {
        started[index] = true;
        return run.started(tsMs);
      }
      positionInRound++;
      batchesEmitted++;
      return run.nextBatch(tsMs);
    }

    private void shuffle(int[] a) {
      for (int i = a.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
    }
  }
}
