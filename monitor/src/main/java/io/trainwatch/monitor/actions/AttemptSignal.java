package io.trainwatch.monitor.actions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What a run tells the crash-loop guard of its job, re-keyed from run to job through the monitor's
 * attempts topic: it started (with its attempt), it faulted (an alert fired, or it ended failed),
 * or it saved a checkpoint.
 *
 * @param attempt for {@link Kind#STARTED}: {@code run_started.attempt}; else 0
 * @param fault for {@link Kind#FAULT}: the rule id ({@code run_failed} for a failed run_ended)
 * @param step for {@link Kind#CHECKPOINT}: its step; for {@link Kind#FAULT}: the alert's, or -1
 * @param location for {@link Kind#CHECKPOINT}: where it is; else {@code null}
 * @param tsMs event time
 */
public record AttemptSignal(
    Kind kind, String runId, int attempt, String fault, long step, String location, long tsMs) {

  /** What happened. */
  public enum Kind {
    STARTED,
    FAULT,
    CHECKPOINT
  }

  /** The fault of a run that ended {@code failed} without an alert. */
  public static final String RUN_FAILED = "run_failed";

  public AttemptSignal {
    if (kind == null || runId == null) {
      throw new IllegalArgumentException("kind and run id are required");
    }
    if ((kind == Kind.FAULT) != (fault != null)) {
      throw new IllegalArgumentException(kind + ": a fault only for FAULT");
    }
  }

  public static AttemptSignal started(String runId, int attempt, long tsMs) {
    return new AttemptSignal(Kind.STARTED, runId, attempt, null, -1, null, tsMs);
  }

  public static AttemptSignal fault(String runId, String fault, long step, long tsMs) {
    return new AttemptSignal(Kind.FAULT, runId, 0, fault, step, null, tsMs);
  }

  public static AttemptSignal checkpoint(String runId, long step, String location, long tsMs) {
    return new AttemptSignal(Kind.CHECKPOINT, runId, 0, null, step, location, tsMs);
  }

  static final int VERSION = 1;

  /** The binary form on the attempts topic. */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeByte(kind.ordinal());
      out.writeUTF(runId);
      out.writeInt(attempt);
      out.writeUTF(fault == null ? "" : fault);
      out.writeLong(step);
      out.writeUTF(location == null ? "" : location);
      out.writeLong(tsMs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Reads the binary form.
   *
   * @throws IllegalStateException if the bytes are not a signal of a known version
   */
  public static AttemptSignal decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalStateException("attempt signal version " + version + ": unknown");
      }
      int kind = in.readUnsignedByte();
      if (kind >= Kind.values().length) {
        throw new IllegalStateException("attempt signal kind " + kind + ": unknown");
      }
      String runId = in.readUTF();
      int attempt = in.readInt();
      String fault = in.readUTF();
      long step = in.readLong();
      String location = in.readUTF();
      long ts = in.readLong();
      Kind k = Kind.values()[kind];
      return new AttemptSignal(
          k,
          runId,
          attempt,
          k == Kind.FAULT ? fault : null,
          step,
          location.isEmpty() ? null : location,
          ts);
    } catch (IOException e) {
      throw new IllegalStateException("attempt signal: truncated (" + e + ")", e);
    }
  }
}
