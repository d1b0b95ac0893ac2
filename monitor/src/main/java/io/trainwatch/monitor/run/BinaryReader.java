package io.trainwatch.monitor.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link BinaryWriter} wrote; throws {@link IllegalStateException} on truncated or
 * corrupt input.
 */
final class BinaryReader {

  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final byte[] buf;
  private int pos;

  BinaryReader(byte[] buf) {
    this.buf = buf;
  }

  int readByte() {
    need(1);
    return buf[pos++] & 0xFF;
  }

  long readVarLong() {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = readByte();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalStateException("corrupt varint at byte " + pos);
  }

  int readVarInt() {
    long v = readVarLong();
    if (v > Integer.MAX_VALUE) {
      throw new IllegalStateException("corrupt int " + v + " at byte " + pos);
    }
    return (int) v;
  }

  long readSignedVarLong() {
    long v = readVarLong();
    return (v >>> 1) ^ -(v & 1);
  }

  double readDouble() {
    need(8);
    long bits = (long) LONG_LE.get(buf, pos);
    pos += 8;
    return Double.longBitsToDouble(bits);
  }

  float readFloat() {
    need(4);
    int bits = (int) INT_LE.get(buf, pos);
    pos += 4;
    return Float.intBitsToFloat(bits);
  }

  String readString() {
    int n = readVarInt();
    need(n);
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  String readOptionalString() {
    return readByte() == 0 ? null : readString();
  }

  /** {@code true} if every byte was read, {@code false} otherwise. */
  boolean atEnd() {
    return pos == buf.length;
  }

  private void need(int n) {
    if (n < 0 || pos + n > buf.length) {
      throw new IllegalStateException(
          "truncated: needed " + n + " more bytes at byte " + pos + " of " + buf.length);
    }
  }
}
