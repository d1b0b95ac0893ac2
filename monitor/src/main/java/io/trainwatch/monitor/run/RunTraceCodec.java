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
    BinaryWriter w = new BinaryWriter(64 + t.points.size() * 32);
    w.writeByte(VERSION);
    w.writeSignedVarLong(t.lastIndex);
    w.writeVarLong(t.points.size());
    long prevIndex = 0;
    long prevStep = 0;
    long prevTs = 0;
    for (RunTrace.Point p : t.points) {
      // Deltas: indexes, steps and times grow, so each takes a byte or two.
      w.writeSignedVarLong(p.index() - prevIndex);
      w.writeSignedVarLong(p.step() - prevStep);
      w.writeSignedVarLong(p.tsMs() - prevTs);
      prevIndex = p.index();
      prevStep = p.step();
      prevTs = p.tsMs();
      w.writeFloat(p.loss());
      w.writeFloat(p.gradNorm());
      w.writeFloat(p.inputMin());
      w.writeFloat(p.inputMax());
      w.writeFloat(p.outputMin());
      w.writeFloat(p.outputMax());
    }
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
