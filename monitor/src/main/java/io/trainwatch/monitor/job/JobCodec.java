package io.trainwatch.monitor.job;

import io.trainwatch.monitor.run.AlertTrack;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The versioned binary formats of the job-level state and of the job-signals topic. Every record
 * starts with a version byte; a reader refuses versions it does not know. Deterministic: the same
 * value always gives the same bytes, so exactly-once replays write identical records.
 */
public final class JobCodec {

  static final int VERSION = 1;

  private JobCodec() {}

  /** Writes a signal. */
  public static byte[] encode(JobSignal s) {
    return write(
        64,
        out -> {
          out.writeByte(s.kind().ordinal());
          out.writeUTF(s.runId());
          writeIdentity(out, s.rank());
          if (s.sample() != null) {
            writeSample(out, s.sample());
          }
          if (s.alert() != null) {
            out.writeInt(s.alert().length);
            out.write(s.alert());
          }
        });
  }

  /** Reads a signal. */
  public static JobSignal decodeSignal(byte[] bytes) {
    return read(
        bytes,
        "job signal",
        in -> {
          JobSignal.Kind kind = JobSignal.Kind.values()[in.readUnsignedByte()];
          String runId = in.readUTF();
          RankIdentity id = readIdentity(in);
          RankSample sample = kind == JobSignal.Kind.BATCH ? readSample(in) : null;
          byte[] alert = null;
          if (kind == JobSignal.Kind.ALERT) {
            alert = new byte[in.readInt()];
            in.readFully(alert);
          }
          return new JobSignal(kind, runId, id, sample, alert);
        });
  }

  /** Writes a run's identity in its job. */
  public static byte[] encode(RankIdentity id) {
    return write(48, out -> writeIdentity(out, id));
  }

  /** Reads a run's identity in its job. */
  public static RankIdentity decodeIdentity(byte[] bytes) {
    return read(bytes, "rank identity", JobCodec::readIdentity);
  }

  /** Writes a step's reports. */
  public static byte[] encode(StepStats s) {
    return write(
        16 + s.size() * 24,
        out -> {
          out.writeInt(s.count());
          out.writeByte(s.size());
          for (int i = 0; i < s.size(); i++) {
            out.writeInt(s.rankAt(i));
            out.writeFloat(s.workAt(i));
            out.writeFloat(s.computeAt(i));
            out.writeFloat(s.dataAt(i));
            out.writeFloat(s.lossAt(i));
            out.writeFloat(s.gradAt(i));
          }
        });
  }

  /** Reads a step's reports. */
  public static StepStats decodeStep(byte[] bytes) {
    return read(
        bytes,
        "step stats",
        in -> {
          int count = in.readInt();
          int size = in.readUnsignedByte();
          if (size > StepStats.MAX_SAMPLES) {
            throw new IOException("step stats: " + size + " samples");
          }
          int[] r = new int[size];
          float[] w = new float[size];
          float[] c = new float[size];
          float[] d = new float[size];
          float[] l = new float[size];
          float[] g = new float[size];
          for (int i = 0; i < size; i++) {
            r[i] = in.readInt();
            w[i] = in.readFloat();
            c[i] = in.readFloat();
            d[i] = in.readFloat();
            l[i] = in.readFloat();
            g[i] = in.readFloat();
          }
          return StepStats.restore(count, r, w, c, d, l, g, size);
        });
  }

  /** Writes a rank's state. */
  public static byte[] encode(RankState s) {
    return write(
        512,
        out -> {
          out.writeUTF(s.runId());
          out.writeInt(s.rank());
          writeOptional(out, s.host());
          writeOptional(out, s.device());
          for (long v : s.scalars()) {
            out.writeLong(v);
          }
          out.writeByte(s.pending().size());
          for (RankSample p : s.pending()) {
            writeSample(out, p);
          }
          out.writeByte(s.judgedPos());
          out.writeByte(s.windowSize());
          float[] judged = s.judgedRaw();
          // Only the filled slots: a new rank's record stays small.
          int slots = s.windowSize() < RankState.WINDOW ? s.windowSize() : RankState.WINDOW;
          for (int i = 0; i < slots * RankState.JUDGED_FIELDS; i++) {
            out.writeFloat(judged[i]);
          }
          writeTrack(out, s.straggler());
          writeTrack(out, s.divergence());
          // Added later in version 1: the straggler rule's peers' spreads and baseline. A record
          // without them is of the earlier layout, whose window held other values.
          for (float f : s.peerSigmas()) {
            out.writeFloat(f);
          }
          StragglerBaseline b = s.baseline();
          out.writeFloat(b.workCount());
          out.writeFloat(b.workSum());
          out.writeFloat(b.computeCount());
          out.writeFloat(b.computeSum());
        });
  }

  /** Reads a rank's state. */
  public static RankState decodeRank(byte[] bytes) {
    return read(
        bytes,
        "rank state",
        in -> {
          RankState s =
              new RankState(in.readUTF(), in.readInt(), readOptional(in), readOptional(in));
          long[] scalars = new long[7];
          for (int i = 0; i < scalars.length; i++) {
            scalars[i] = in.readLong();
          }
          s.restoreScalars(scalars);
          int pending = in.readUnsignedByte();
          for (int i = 0; i < pending; i++) {
            s.pending().addLast(readSample(in));
          }
          int pos = in.readUnsignedByte();
          int size = in.readUnsignedByte();
          if (size > RankState.WINDOW || pos >= RankState.WINDOW) {
            throw new IOException("rank state: window " + size + " at " + pos);
          }
          float[] judged = s.judgedRaw();
          int slots = size < RankState.WINDOW ? size : RankState.WINDOW;
          for (int i = 0; i < slots * RankState.JUDGED_FIELDS; i++) {
            judged[i] = in.readFloat();
          }
          s.restoreJudged(pos, size);
          s.setStraggler(readTrack(in));
          s.setDivergence(readTrack(in));
          if (in.available() > 0) {
            float[] sigmas = new float[4];
            for (int i = 0; i < sigmas.length; i++) {
              sigmas[i] = in.readFloat();
            }
            s.restorePeerSigmas(sigmas);
            s.setBaseline(
                new StragglerBaseline(
                    in.readFloat(), in.readFloat(), in.readFloat(), in.readFloat()));
          } else {
            // The earlier layout: its window's second column was the peers' spread, not the
            // compute ratio. Start the straggler statistics over (64 steps).
            s.restoreJudged(0, 0);
          }
          return s;
        });
  }

  /** Writes a job's state. */
  public static byte[] encode(JobState s) {
    return write(
        512,
        out -> {
          out.writeUTF(s.framework());
          for (long v : s.scalars()) {
            out.writeLong(v);
          }
          for (float f : s.stepTimesRaw()) {
            out.writeFloat(f);
          }
          writeTrack(out, s.hang());
          writeOptional(out, s.hangRunId());
          out.writeByte(s.groups().size());
          for (AlertGroup g : s.groups()) {
            writeGroup(out, g);
          }
          // Added after the first records of version 1 were written: optional at the end.
          out.writeLong(s.nonfiniteOnRankStep());
          for (long v : s.pauseScalars()) {
            out.writeLong(v);
          }
          out.writeInt(s.completedRanks());
        });
  }

  /** Reads a job's state. */
  public static JobState decodeJob(byte[] bytes) {
    return read(
        bytes,
        "job state",
        in -> {
          JobState s = new JobState();
          s.setFramework(in.readUTF());
          long[] scalars = new long[11];
          for (int i = 0; i < scalars.length; i++) {
            scalars[i] = in.readLong();
          }
          s.restoreScalars(scalars);
          float[] times = s.stepTimesRaw();
          for (int i = 0; i < times.length; i++) {
            times[i] = in.readFloat();
          }
          AlertTrack hang = readTrack(in);
          s.setHang(hang, readOptional(in));
          int groups = in.readUnsignedByte();
          for (int i = 0; i < groups; i++) {
            s.groups().add(readGroup(in));
          }
          if (in.available() >= Long.BYTES) {
            long step = in.readLong();
            if (step >= 0) {
              s.noteNonfiniteOnRank(step);
            }
          }
          if (in.available() >= 2 * Long.BYTES) {
            s.restorePauseScalars(in.readLong(), in.readLong());
          }
          if (in.available() >= Integer.BYTES) {
            s.restoreCompletedRanks(in.readInt());
          }
          return s;
        });
  }

  private static void writeGroup(DataOutputStream out, AlertGroup g) throws IOException {
    out.writeUTF(g.rule());
    out.writeByte(g.phase().ordinal());
    out.writeInt(g.revision());
    out.writeLong(g.openedWallMs());
    out.writeLong(g.startsAtMs());
    writeOptional(out, g.firstRunId());
    out.writeInt(g.firstRank());
    writeOptional(out, g.firstHost());
    writeOptional(out, g.firstDevice());
    writeOptional(out, g.diagnosis());
    writeOptional(out, g.severity());
    byte[] first = g.firstAlert();
    out.writeInt(first == null ? -1 : first.length);
    if (first != null) {
      out.write(first);
    }
    out.writeByte(g.ranks().size());
    for (int r : g.ranks()) {
      out.writeInt(r);
    }
    out.writeByte(g.hosts().size());
    for (String h : g.hosts()) {
      out.writeUTF(h);
    }
    out.writeInt(g.rankCount());
    out.writeInt(g.firingRanks());
  }

  private static AlertGroup readGroup(DataInputStream in) throws IOException {
    String rule = in.readUTF();
    AlertGroup.Phase phase = AlertGroup.Phase.values()[in.readUnsignedByte()];
    int revision = in.readInt();
    long opened = in.readLong();
    long starts = in.readLong();
    String firstRunId = readOptional(in);
    int firstRank = in.readInt();
    String firstHost = readOptional(in);
    String firstDevice = readOptional(in);
    String diagnosis = readOptional(in);
    String severity = readOptional(in);
    int n = in.readInt();
    byte[] first = null;
    if (n >= 0) {
      first = new byte[n];
      in.readFully(first);
    }
    int rn = in.readUnsignedByte();
    List<Integer> ranks = new ArrayList<>(rn);
    for (int i = 0; i < rn; i++) {
      ranks.add(in.readInt());
    }
    int hn = in.readUnsignedByte();
    List<String> hosts = new ArrayList<>(hn);
    for (int i = 0; i < hn; i++) {
      hosts.add(in.readUTF());
    }
    return AlertGroup.restore(
        rule,
        phase,
        revision,
        opened,
        starts,
        firstRunId,
        firstRank,
        firstHost,
        firstDevice,
        diagnosis,
        severity,
        first,
        ranks,
        hosts,
        in.readInt(),
        in.readInt());
  }

  static void writeTrack(DataOutputStream out, AlertTrack t) throws IOException {
    out.writeByte(t.phase().ordinal());
    out.writeInt(t.hits());
    out.writeInt(t.clear());
    out.writeLong(t.sinceMs());
    out.writeInt(t.revision());
    out.writeInt(t.diagnosis());
  }

  static AlertTrack readTrack(DataInputStream in) throws IOException {
    return new AlertTrack(
        AlertTrack.Phase.values()[in.readUnsignedByte()],
        in.readInt(),
        in.readInt(),
        in.readLong(),
        in.readInt(),
        in.readInt());
  }

  private static void writeIdentity(DataOutputStream out, RankIdentity id) throws IOException {
    out.writeUTF(id.job());
    out.writeInt(id.rank());
    out.writeInt(id.worldSize());
    out.writeInt(id.attempt());
    writeOptional(out, id.host());
    writeOptional(out, id.device());
    writeOptional(out, id.framework());
  }

  private static RankIdentity readIdentity(DataInputStream in) throws IOException {
    return new RankIdentity(
        in.readUTF(),
        in.readInt(),
        in.readInt(),
        in.readInt(),
        readOptional(in),
        readOptional(in),
        readOptional(in));
  }

  private static void writeSample(DataOutputStream out, RankSample s) throws IOException {
    out.writeLong(s.step());
    out.writeLong(s.tsMs());
    out.writeFloat(s.work());
    out.writeFloat(s.computeMs());
    out.writeFloat(s.dataMs());
    out.writeFloat(s.stepMs());
    out.writeFloat(s.loss());
    out.writeFloat(s.gradNorm());
    out.writeBoolean(s.gradPublished());
  }

  private static RankSample readSample(DataInputStream in) throws IOException {
    return new RankSample(
        in.readLong(),
        in.readLong(),
        in.readFloat(),
        in.readFloat(),
        in.readFloat(),
        in.readFloat(),
        in.readFloat(),
        in.readFloat(),
        in.readBoolean());
  }

  static void writeOptional(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  static String readOptional(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  /** The calling thread's buffer for {@link #write} (encodings do not nest). */
  private static final ThreadLocal<ByteBuffer> SCRATCH =
      ThreadLocal.withInitial(() -> new ByteBuffer(4096));

  static byte[] write(int size, Writer w) {
    ByteBuffer bytes = SCRATCH.get();
    if (bytes.buf.length > 64 * 1024) {
      bytes = new ByteBuffer(Math.max(size, 4096));
      SCRATCH.set(bytes);
    }
    bytes.count = 0;
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Arrays.copyOf(bytes.buf, bytes.count);
  }

  /**
   * A growable byte sink without {@link java.io.ByteArrayOutputStream}'s locking: DataOutputStream
   * writes a float as four single-byte writes, and a rank's state is a few hundred floats.
   */
  private static final class ByteBuffer extends OutputStream {
    byte[] buf;
    int count;

    ByteBuffer(int capacity) {
      buf = new byte[capacity];
    }

    @Override
    public void write(int b) {
      if (count == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (count + len > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + len));
      }
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }
  }

  /** Reads a byte array without {@link ByteArrayInputStream}'s locking. */
  private static final class ByteSource extends InputStream {
    private final byte[] buf;
    private int pos;

    ByteSource(byte[] buf) {
      this.buf = buf;
    }

    @Override
    public int read() {
      return pos < buf.length ? buf[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (pos >= buf.length) {
        return -1;
      }
      int n = Math.min(len, buf.length - pos);
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public int available() {
      return buf.length - pos;
    }
  }

  static <T> T read(byte[] bytes, String what, Reader<T> r) {
    try (DataInputStream in = new DataInputStream(new ByteSource(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalStateException(
            what + " version " + version + ": unknown, this monitor reads " + VERSION);
      }
      T value = r.read(in);
      if (in.available() > 0) {
        throw new IllegalStateException(what + ": trailing bytes");
      }
      return value;
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      throw new IllegalStateException(what + ": corrupt (" + e.getMessage() + ")", e);
    }
  }
}
