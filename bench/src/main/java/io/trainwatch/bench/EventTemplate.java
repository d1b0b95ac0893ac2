package io.trainwatch.bench;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A batch event encoded once by {@link EventCodec} with the values that change from step to step
 * left as holes (event time, step, loss, and the step's timings, which the job-level rules compare
 * across ranks), so a load generator can offer a fleet's rate without encoding every event:
 * rendering copies the bytes around the holes and writes the numbers in. What comes out decodes to
 * the batch with those values (timings rounded to the microsecond), checked by {@code
 * EventTemplateTest}.
 */
final class EventTemplate {

  /** The holes, in argument order of {@link #render}. */
  private static final String[] FIELDS = {
    "ts_ms", "step", "loss", "step_ms", "data_ms", "compute_ms"
  };

  /** Placeholders no real value takes; the doubles are exact in binary, so print as written. */
  static final long TS_HOLE = 1_111_111_111_111L;

  static final long STEP_HOLE = 987_654_321_987L;
  static final double LOSS_HOLE = 12345.625;
  static final double STEP_MS_HOLE = 23456.625;
  static final double DATA_MS_HOLE = 34567.625;
  static final double COMPUTE_MS_HOLE = 45678.625;

  private static final String[] HOLES = {
    Long.toString(TS_HOLE),
    Long.toString(STEP_HOLE),
    Double.toString(LOSS_HOLE),
    Double.toString(STEP_MS_HOLE),
    Double.toString(DATA_MS_HOLE),
    Double.toString(COMPUTE_MS_HOLE)
  };

  private final byte[] bytes;

  /** Where each hole's placeholder starts in {@link #bytes}, by hole. */
  private final int[] at = new int[FIELDS.length];

  /** The holes in the order they appear. */
  private final int[] order;

  private EventTemplate(byte[] bytes, int[] order) {
    this.bytes = bytes;
    this.order = order;
  }

  /** The template of {@code batch}, which must have its timings (step, data, compute). */
  static EventTemplate of(BatchEvent batch) {
    if (batch.stepMs() == null || batch.dataMs() == null || batch.computeMs() == null) {
      throw new IllegalArgumentException("a template needs step_ms, data_ms and compute_ms");
    }
    byte[] encoded = EventCodec.encode(withHoles(batch));
    String text = new String(encoded, StandardCharsets.ISO_8859_1);
    int[] positions = new int[FIELDS.length];
    for (int h = 0; h < FIELDS.length; h++) {
      String needle = "\"" + FIELDS[h] + "\":" + HOLES[h];
      int i = text.indexOf(needle);
      if (i < 0 || text.indexOf(needle, i + 1) >= 0) {
        throw new IllegalStateException(
            "EventCodec no longer writes " + needle + " exactly once: " + text);
      }
      positions[h] = i + needle.length() - HOLES[h].length();
    }
    Integer[] byPosition = new Integer[FIELDS.length];
    for (int h = 0; h < FIELDS.length; h++) {
      byPosition[h] = h;
    }
    Arrays.sort(byPosition, Comparator.comparingInt(h -> positions[h]));
    EventTemplate t =
        new EventTemplate(encoded, Arrays.stream(byPosition).mapToInt(Integer::intValue).toArray());
    System.arraycopy(positions, 0, t.at, 0, FIELDS.length);
    return t;
  }

  /** The event with these values, encoded; the timings are written to the microsecond. */
  byte[] render(long tsMs, long step, double loss, double stepMs, double dataMs, double computeMs) {
    if (!Double.isFinite(loss)) {
      throw new IllegalArgumentException("loss=" + loss + ": a template takes finite losses only");
    }
    byte[][] values = {
      digits(tsMs),
      digits(step),
      Double.toString(loss).getBytes(StandardCharsets.ISO_8859_1),
      micros(stepMs),
      micros(dataMs),
      micros(computeMs)
    };
    int size = bytes.length;
    for (int h = 0; h < FIELDS.length; h++) {
      size += values[h].length - HOLES[h].length();
    }
    byte[] out = new byte[size];
    int from = 0;
    int to = 0;
    for (int h : order) {
      int n = at[h] - from;
      System.arraycopy(bytes, from, out, to, n);
      to += n;
      System.arraycopy(values[h], 0, out, to, values[h].length);
      to += values[h].length;
      from = at[h] + HOLES[h].length();
    }
    System.arraycopy(bytes, from, out, to, bytes.length - from);
    return out;
  }

  /** A duration rounded to the microsecond, as the JSON number {@link #render} writes. */
  static double roundedMs(double ms) {
    return Math.round(ms * 1000) / 1000.0;
  }

  /** Size of the encoded template, bytes. */
  int size() {
    return bytes.length;
  }

  /** A non-negative duration in ms with three decimals, e.g. {@code 93.079}. */
  private static byte[] micros(double ms) {
    if (!(ms >= 0) || !Double.isFinite(ms)) {
      throw new IllegalArgumentException("duration=" + ms + ": must be finite and >= 0");
    }
    long us = Math.round(ms * 1000);
    byte[] whole = digits(us / 1000);
    long frac = us % 1000;
    byte[] out = Arrays.copyOf(whole, whole.length + 4);
    out[whole.length] = '.';
    out[whole.length + 1] = (byte) ('0' + frac / 100);
    out[whole.length + 2] = (byte) ('0' + frac / 10 % 10);
    out[whole.length + 3] = (byte) ('0' + frac % 10);
    return out;
  }

  private static byte[] digits(long v) {
    if (v < 0) {
      return Long.toString(v).getBytes(StandardCharsets.ISO_8859_1);
    }
    int n = 1;
    for (long x = v / 10; x > 0; x /= 10) {
      n++;
    }
    byte[] out = new byte[n];
    for (int i = n - 1; i >= 0; i--) {
      out[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return out;
  }

  private static BatchEvent withHoles(BatchEvent b) {
    return new BatchEvent(
        b.runId(),
        TS_HOLE,
        STEP_HOLE,
        b.epoch(),
        b.batchSize(),
        LOSS_HOLE,
        b.input(),
        b.output(),
        b.predictions(),
        b.gradNorm(),
        b.firstLayerGradNorm(),
        b.lr(),
        STEP_MS_HOLE,
        DATA_MS_HOLE,
        COMPUTE_MS_HOLE,
        b.lossScale(),
        b.skipped());
  }
}
