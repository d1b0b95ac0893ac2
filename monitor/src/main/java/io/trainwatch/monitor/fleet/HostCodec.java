package io.trainwatch.monitor.fleet;

import io.trainwatch.monitor.run.AlertTrack;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The versioned binary formats of host state and of the host-signals topic. */
public final class HostCodec {

  static final int VERSION = 1;

  private HostCodec() {}

  /** Writes a fault (the host-signals record). */
  public static byte[] encode(Implication i) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      writeImplication(out, i);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads a fault. */
  public static Implication decodeImplication(byte[] bytes) {
    try (DataInputStream in = open(bytes, "implication")) {
      return readImplication(in);
    } catch (IOException e) {
      throw new IllegalStateException("implication: corrupt (" + e.getMessage() + ")", e);
    }
  }

  /** Writes a host's state. */
  public static byte[] encode(HostState s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeByte(s.implications().size());
      for (Implication i : s.implications()) {
        writeImplication(out, i);
      }
      AlertTrack t = s.track();
      out.writeByte(t.phase().ordinal());
      out.writeInt(t.hits());
      out.writeInt(t.clear());
      out.writeLong(t.sinceMs());
      out.writeInt(t.revision());
      out.writeInt(t.diagnosis());
      writeOptional(out, s.alertRunId());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads a host's state. */
  public static HostState decodeHost(byte[] bytes) {
    try (DataInputStream in = open(bytes, "host state")) {
      HostState s = new HostState();
      int n = in.readUnsignedByte();
      for (int i = 0; i < n; i++) {
        s.implications().add(readImplication(in));
      }
      AlertTrack t =
          new AlertTrack(
              AlertTrack.Phase.values()[in.readUnsignedByte()],
              in.readInt(),
              in.readInt(),
              in.readLong(),
              in.readInt(),
              in.readInt());
      s.setTrack(t, readOptional(in));
      return s;
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      throw new IllegalStateException("host state: corrupt (" + e.getMessage() + ")", e);
    }
  }

  private static DataInputStream open(byte[] bytes, String what) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new IllegalStateException(
          what + " version " + version + ": unknown, this monitor reads " + VERSION);
    }
    return in;
  }

  private static void writeImplication(DataOutputStream out, Implication i) throws IOException {
    out.writeUTF(i.host());
    writeOptional(out, i.device());
    out.writeUTF(i.job());
    out.writeUTF(i.runId());
    out.writeInt(i.rank());
    out.writeUTF(i.rule());
    writeOptional(out, i.diagnosis());
    out.writeLong(i.tsMs());
    out.writeLong(i.wallMs());
  }

  private static Implication readImplication(DataInputStream in) throws IOException {
    return new Implication(
        in.readUTF(),
        readOptional(in),
        in.readUTF(),
        in.readUTF(),
        in.readInt(),
        in.readUTF(),
        readOptional(in),
        in.readLong(),
        in.readLong());
  }

  private static void writeOptional(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static String readOptional(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}
