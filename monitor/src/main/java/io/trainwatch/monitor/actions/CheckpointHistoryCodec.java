package io.trainwatch.monitor.actions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a {@link CheckpointHistory} in the {@code run-checkpoints} store: a version
 * byte, a count, then per checkpoint its step, time, pinned flag and UTF-8 location. Version 1.
 */
public final class CheckpointHistoryCodec {

  static final int VERSION = 1;

  /** Most checkpoints a stored history may hold; anything longer is corrupt. */
  static final int MAX_ENTRIES = 4096;

  private CheckpointHistoryCodec() {}

  public static byte[] encode(CheckpointHistory h) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 64 * h.saved().size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(h.saved().size());
      for (CheckpointHistory.Saved s : h.saved()) {
        out.writeLong(s.step());
        out.writeLong(s.tsMs());
        out.writeBoolean(s.pinned());
        out.writeUTF(s.location());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Reads a history.
   *
   * @throws IllegalStateException if the bytes are not a history of a known version
   */
  public static CheckpointHistory decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalStateException("checkpoint history version " + version + ": unknown");
      }
      int n = in.readInt();
      if (n < 0 || n > MAX_ENTRIES) {
        throw new IllegalStateException("checkpoint history of " + n + " entries: corrupt");
      }
      List<CheckpointHistory.Saved> saved = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long step = in.readLong();
        long ts = in.readLong();
        boolean pinned = in.readBoolean();
        saved.add(new CheckpointHistory.Saved(step, in.readUTF(), ts, pinned));
      }
      return new CheckpointHistory(saved);
    } catch (IOException e) {
      throw new IllegalStateException("checkpoint history: truncated (" + e + ")", e);
    }
  }
}
