package io.trainwatch.monitor.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer with variable-length integers: the building block of the state formats.
 */
final class BinaryWriter {

  /** Little-endian, as the loops this replaced wrote them: the bytes are the same. */
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Above this capacity a thread's scratch writer is not kept for the next encoding. */
  private static final int SCRATCH_MAX = 64 * 1024;

  private static final ThreadLocal<BinaryWriter> SCRATCH =
      ThreadLocal.withInitial(() -> new BinaryWriter(4096));

  private byte[] buf;
  private int pos;

  BinaryWriter(int initialCapacity) {
    buf = new byte[initialCapacity];
  }

  /**
   * The calling thread's reusable writer, emptied: for an encoding that ends with {@link
   * #toByteArray} before the thread encodes anything else (not reentrant). Saves allocating and
   * growing a buffer per record.
   */
  static BinaryWriter scratch() {
    BinaryWriter w = SCRATCH.get();
    if (w.buf.length > SCRATCH_MAX) {
      w = new BinaryWriter(4096);
      SCRATCH.set(w);
    }
    w.pos = 0;
    return w;
  }

  /** Bytes already encoded by this writer's methods (no length prefix). */
  void writeRaw(byte[] bytes, int offset, int length) {
    ensure(length);
    System.arraycopy(bytes, offset, buf, pos, length);
    pos += length;
  }

  /** Bytes written so far. */
  int size() {
    return pos;
  }

  /** The buffer holding the bytes written so far (valid up to {@link #size}). */
  byte[] buffer() {
    return buf;
  }

  void writeByte(int b) {
    ensure(1);
    buf[pos++] = (byte) b;
  }

  /** Unsigned LEB128. */
  void writeVarLong(long v) {
    if (v < 0) {
      throw new IllegalArgumentException("value=" + v + ": must be >= 0");
    }
    writeUnsigned(v);
  }

  /**
   * Zig-zag encoded, for values that may be negative. The zig-zag form of a value at or beyond
   * +-2^62 has its top bit set: it is written as the unsigned 64-bit number it is (10 bytes), which
   * {@link BinaryReader} reads back.
   */
  void writeSignedVarLong(long v) {
    writeUnsigned((v << 1) ^ (v >> 63));
  }

  /** LEB128 of {@code v} taken as an unsigned 64-bit number. */
  private void writeUnsigned(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
  }

  void writeDouble(double v) {
    ensure(8);
    LONG_LE.set(buf, pos, Double.doubleToRawLongBits(v));
    pos += 8;
  }

  void writeFloat(float v) {
    ensure(4);
    INT_LE.set(buf, pos, Float.floatToRawIntBits(v));
    pos += 4;
  }

  void writeString(String s) {
    writeUtf8(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A string already encoded as UTF-8: the same bytes as {@link #writeString} of it. */
  void writeUtf8(byte[] bytes) {
    writeVarLong(bytes.length);
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
  }

  /** A string that may be null: a presence byte, then the string. */
  void writeOptionalString(String s) {
    writeByte(s == null ? 0 : 1);
    if (s != null) {
      writeString(s);
    }
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, pos);
  }

  private void ensure(int n) {
    if (pos + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }
  }
}
