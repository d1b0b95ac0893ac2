package io.trainwatch.monitor.run;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import java.nio.charset.StandardCharsets;

/**
 * The versioned binary form of a {@link RunTrace}: points as varints and floats, markers, and the
 * open alerts as contract JSON (so that a newer monitor reads them as any consumer would).
 */
public final class RunTraceCodec {

  /** The format version written first. */
  public static final int VERSION = 1;

  private RunTraceCodec() {}

  public static byte[] encode(RunTrace t) {
    BinaryWriter w = BinaryWriter.scratch();
    w.writeByte(VERSION);
    w.writeSignedVarLong(t.lastIndex);
    w.writeVarLong(t.points.size());
    BinaryWriter points = encodedPoints(t);
    w.writeRaw(points.buffer(), 0, points.size());
    w.writeVarLong(t.markers.size());
    for (RunTrace.Marker m : t.markers) {
      w.writeSignedVarLong(m.step());
      w.writeSignedVarLong(m.atMs());
      w.writeString(m.rule());
      w.writeByte(m.firing() ? 1 : 0);
      w.writeFloat(m.loss());
    }
    w.writeVarLong(t.open.size());
    t.openJson.keySet().retainAll(t.open.keySet());
    for (Alert a : t.open.values()) {
      RunTrace.EncodedAlert e = t.openJson.get(a.rule());
      if (e == null || e.alert() != a) {
        // AlertCodec writes UTF-8: the bytes writeString would write of it as a string.
        e = new RunTrace.EncodedAlert(a, AlertCodec.encode(a));
        t.openJson.put(a.rule(), e);
      }
      w.writeUtf8(e.json());
    }
    return w.toByteArray();
  }

  /**
   * The trace's points encoded, each as a delta from the one before: the points encoded last time
   * plus those added since, or all of them again after a thinning or a restart.
   */
  private static BinaryWriter encodedPoints(RunTrace t) {
    BinaryWriter out = t.encodedPointsOut;
    if (out == null || t.encodedPoints > t.points.size()) {
      out = new BinaryWriter(32 + t.points.size() * 32);
      t.encodedPointsOut = out;
      t.encodedPoints = 0;
    }
    RunTrace.Point prev = t.encodedPoints == 0 ? null : t.points.get(t.encodedPoints - 1);
    for (int i = t.encodedPoints; i < t.points.size(); i++) {
      RunTrace.Point p = t.points.get(i);
      // Deltas: indexes, steps and times grow, so each takes a byte or two.
      out.writeSignedVarLong(p.index() - (prev == null ? 0 : prev.index()));
      out.writeSignedVarLong(p.step() - (prev == null ? 0 : prev.step()));
      out.writeSignedVarLong(p.tsMs() - (prev == null ? 0 : prev.tsMs()));
      out.writeFloat(p.loss());
      out.writeFloat(p.gradNorm());
      out.writeFloat(p.inputMin());
      out.writeFloat(p.inputMax());
      out.writeFloat(p.outputMin());
      out.writeFloat(p.outputMax());
      prev = p;
    }
    t.encodedPoints = t.points.size();
    return out;
  }

  /**
   * @throws IllegalStateException if the bytes are not a trace of a known version
   */
  public static RunTrace decode(byte[] bytes) {
    BinaryReader r = new BinaryReader(bytes);
    int version = r.readByte();
    if (version != VERSION) {
      throw new IllegalStateException(
          "run trace version " + version + ": unknown, this monitor reads " + VERSION);
    }
    RunTrace t = new RunTrace();
    t.lastIndex = r.readSignedVarLong();
    int n = r.readVarInt();
    long index = 0;
    long step = 0;
    long ts = 0;
    for (int i = 0; i < n; i++) {
      index += r.readSignedVarLong();
      step += r.readSignedVarLong();
      ts += r.readSignedVarLong();
      t.points.add(
          new RunTrace.Point(
              index,
              step,
              ts,
              r.readFloat(),
              r.readFloat(),
              r.readFloat(),
              r.readFloat(),
              r.readFloat(),
              r.readFloat()));
    }
    int m = r.readVarInt();
    for (int i = 0; i < m; i++) {
      t.markers.add(
          new RunTrace.Marker(
              r.readSignedVarLong(),
              r.readSignedVarLong(),
              r.readString(),
              r.readByte() == 1,
              r.readFloat()));
    }
    int o = r.readVarInt();
    for (int i = 0; i < o; i++) {
      byte[] json = r.readString().getBytes(StandardCharsets.UTF_8);
      Alert a = AlertCodec.decode(json);
      t.open.put(a.rule(), a);
      t.openJson.put(a.rule(), new RunTrace.EncodedAlert(a, json));
    }
    return t;
  }
}
