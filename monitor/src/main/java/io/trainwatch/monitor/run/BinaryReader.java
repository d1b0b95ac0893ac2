package io.trainwatch.monitor.run;

import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link BinaryWriter} wrote; throws {@link IllegalStateException} on truncated or
 * corrupt input.
 */
final class BinaryReader {

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
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits |= (long) (buf[pos++] & 0xFF) << (8 * i);
    }
    return Double.longBitsToDouble(bits);
  }

  float readFloat() {
    need(4);
    int bits = 0;
    for (int i = 0; i < 4; i++) {
      bits |= (buf[pos++] & 0xFF) << (8 * i);
    }
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
