package io.trainwatch.monitor.run;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer with variable-length integers: the building block of the state formats.
 */
final class BinaryWriter {

  private byte[] buf;
  private int pos;

  BinaryWriter(int initialCapacity) {
    buf = new byte[initialCapacity];
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
    long bits = Double.doubleToRawLongBits(v);
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[pos++] = (byte) (bits >>> (8 * i));
    }
  }

  void writeFloat(float v) {
    int bits = Float.floatToRawIntBits(v);
    ensure(4);
    for (int i = 0; i < 4; i++) {
      buf[pos++] = (byte) (bits >>> (8 * i));
    }
  }

  void writeString(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
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
