package io.trainwatch.monitor.run;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.BatchEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a person looking at one run needs and the rules do not: a bounded, downsampled picture of
 * its history (loss, gradient norm, input and output ranges), the steps at which alerts fired or
 * resolved, and the alerts firing now with their hints and evidence. Serialized by {@link
 * RunTraceCodec}; no field grows with the run's length.
 *
 * <p><b>Downsampling.</b> Batch {@code i} (0-based, in the order the run's batches were accepted)
 * is kept when {@code i} is a multiple of {@link #strideFor(long) strideFor(i)}, the smallest power
 * of two that keeps {@code 0, stride, 2 stride, ... i} within {@link #MAX_POINTS}: so the trace is
 * always between half and all of {@code MAX_POINTS} evenly spaced points from the first batch to
 * the latest, and whether a batch is kept is known from its index alone (the processor reads and
 * writes the trace only for the kept ones, one batch in {@code stride}). Points are samples, not
 * averages: a spike between two points shows as its alert's marker, which carries the loss of the
 * batch that fired it.
 */
public final class RunTrace {

  /** Most points kept per run. */
  public static final int MAX_POINTS = 64;

  /** Most alert markers kept per run, the oldest dropped first. */
  public static final int MAX_MARKERS = 16;

  /** Most open alerts kept per run (one per rule at most). */
  public static final int MAX_OPEN = RunState.MAX_RULE_CODES;

  /**
   * One sampled batch. Values absent from the event are NaN.
   *
   * @param index the batch's 0-based index in its run
   */
  public record Point(
      long index,
      long step,
      long tsMs,
      float loss,
      float gradNorm,
      float inputMin,
      float inputMax,
      float outputMin,
      float outputMax) {

    static Point of(long index, BatchEvent b) {
      return new Point(
          index,
          b.step(),
          b.tsMs(),
          (float) b.loss(),
          b.gradNorm() == null ? Float.NaN : b.gradNorm().floatValue(),
          (float) b.input().min(),
          (float) b.input().max(),
          (float) b.output().min(),
          (float) b.output().max());
    }
  }

  /**
   * An alert emission at a step.
   *
   * @param step the emission's step, -1 when it had none (resolved by a timeout)
   * @param loss the loss of the batch that fired it, NaN when unknown or non-finite
   */
  public record Marker(long step, long atMs, String rule, boolean firing, float loss) {}

  final List<Point> points = new ArrayList<>();
  final List<Marker> markers = new ArrayList<>();
  final Map<String, Alert> open = new LinkedHashMap<>();

  /**
   * The contract JSON of open alerts, by rule, as {@link RunTraceCodec} last wrote or read it: an
   * open alert is written with every kept batch, and encoding it is most of a trace's cost. An
   * entry is valid while {@link #open} holds the same alert object (alerts are immutable).
   */
  final Map<String, EncodedAlert> openJson = new java.util.HashMap<>();

  /** An alert and its JSON. */
  record EncodedAlert(Alert alert, byte[] json) {}

  long lastIndex = -1;

  /** The stride the points were last thinned to, 0 when unknown (decoded, or cleared). */
  private long pointsStride;

  /**
   * The encoded {@link #points} as {@link RunTraceCodec} writes them (each a delta from the one
   * before), valid for the first {@link #encodedPoints} points: the points only grow between two
   * thinnings, so a kept batch encodes one point, not the whole history. {@code null} when they
   * must be encoded again.
   */
  BinaryWriter encodedPointsOut;

  int encodedPoints;

  /**
   * {@code true} if batch {@code index} (0-based) is kept, {@code false} otherwise. A pure function
   * of the index.
   */
  public static boolean keeps(long index) {
    return index >= 0 && index % strideFor(index) == 0;
  }

  /** The sampling stride once batch {@code index} is the latest. */
  public static long strideFor(long index) {
    long stride = 1;
    while (index / stride >= MAX_POINTS) {
      stride <<= 1;
    }
    return stride;
  }

  /** The kept points, oldest first. */
  public List<Point> points() {
    return List.copyOf(points);
  }

  /** The most recent alert emissions, oldest first. */
  public List<Marker> markers() {
    return List.copyOf(markers);
  }

  /** The alerts firing now, by rule, in the order they fired. */
  public Map<String, Alert> open() {
    return Map.copyOf(open);
  }

  /** The alerts firing now, in the order they fired. */
  public List<Alert> openAlerts() {
    return List.copyOf(open.values());
  }

  /**
   * Adds batch {@code index} of the run if {@link #keeps kept}, dropping the points the larger
   * stride no longer keeps. A batch index at or below the last one seen starts a new incarnation of
   * the run (it was restarted with fresh history): the points start over.
   */
  public void observe(long index, BatchEvent b) {
    if (index <= lastIndex) {
      points.clear();
      pointsStride = 0;
      encodedPointsOut = null;
    }
    lastIndex = index;
    if (!keeps(index)) {
      return;
    }
    long stride = strideFor(index);
    // Points kept since the last thinning are multiples of its stride: only a larger one drops any.
    if (stride != pointsStride) {
      if (points.removeIf(p -> p.index() % stride != 0)) {
        encodedPointsOut = null;
      }
      pointsStride = stride;
    }
    points.add(Point.of(index, b));
  }

  /**
   * Records an alert emission: a marker at its step, and the alert among the open ones while it
   * fires.
   *
   * @param batch the batch that decided it, or {@code null} (a wall-clock check, the run's end)
   */
  public void alert(Alert a, BatchEvent batch) {
    float loss = batch == null ? Float.NaN : (float) batch.loss();
    markers.add(
        new Marker(
            a.step() == null ? -1 : a.step(),
            (a.firing() ? a.startsAt() : a.endsAt()).toEpochMilli(),
            a.rule(),
            a.firing(),
            loss));
    while (markers.size() > MAX_MARKERS) {
      markers.remove(0);
    }
    if (a.firing()) {
      open.remove(a.rule()); // re-inserted last: newest fired last
      if (open.size() < MAX_OPEN) {
        open.put(a.rule(), a);
      }
    } else {
      open.remove(a.rule());
    }
  }

  /**
   * {@code true} if the trace has neither points, markers nor open alerts, {@code false} otherwise.
   */
  public boolean isEmpty() {
    return points.isEmpty() && markers.isEmpty() && open.isEmpty();
  }
}
