package io.trainwatch.monitor.actions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where one job stands for the crash-loop guard: its current attempt and that attempt's runs and
 * first fault, the newest checkpoint of the job and the one the attempt started from, and the
 * streak of failed attempts without progress. Immutable; bounded ({@link #MAX_RUNS} runs per
 * attempt).
 *
 * @param attempt the current attempt, -1 before the first
 * @param runs the runs of the current attempt (its ranks), at most {@link #MAX_RUNS}
 * @param fault the first fault of the current attempt, or {@code null}
 * @param checkpointAtStart the job's newest checkpoint step when the attempt started, -1 if none
 * @param checkpoint the job's newest checkpoint step, -1 if none
 * @param checkpointLocation where it is, or {@code null}
 * @param streak attempts in a row that failed with {@code streakFault} and no checkpoint progress
 * @param streakFault the fault of the streak, or {@code null}
 * @param revision the revision of the last crash_loop emission of the job (0 before the first)
 * @param looping {@code true} while the crash_loop alert is firing
 * @param sinceMs when the firing crash_loop incident started (event time)
 * @param stopAttempt the attempt told to stop, -1 if none
 */
public record JobAttempts(
    int attempt,
    Set<String> runs,
    String fault,
    long checkpointAtStart,
    long checkpoint,
    String checkpointLocation,
    int streak,
    String streakFault,
    int revision,
    boolean looping,
    long sinceMs,
    int stopAttempt) {

  /** Most runs remembered per attempt: a job's ranks. */
  public static final int MAX_RUNS = 4096;

  /** A job never seen. */
  public static final JobAttempts NEW =
      new JobAttempts(-1, Set.of(), null, -1, -1, null, 0, null, 0, false, 0, -1);

  public JobAttempts {
    runs = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(runs));
  }

  static final int VERSION = 1;

  /** The binary form in the {@code job-attempts} store. */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 32 * runs.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(attempt);
      out.writeInt(runs.size());
      for (String r : runs) {
        out.writeUTF(r);
      }
      out.writeUTF(fault == null ? "" : fault);
      out.writeLong(checkpointAtStart);
      out.writeLong(checkpoint);
      out.writeUTF(checkpointLocation == null ? "" : checkpointLocation);
      out.writeInt(streak);
      out.writeUTF(streakFault == null ? "" : streakFault);
      out.writeInt(revision);
      out.writeBoolean(looping);
      out.writeLong(sinceMs);
      out.writeInt(stopAttempt);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Reads the binary form.
   *
   * @throws IllegalStateException if the bytes are not a state of a known version
   */
  public static JobAttempts decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalStateException("job attempts version " + version + ": unknown");
      }
      int attempt = in.readInt();
      int n = in.readInt();
      if (n < 0 || n > MAX_RUNS) {
        throw new IllegalStateException("job attempts with " + n + " runs: corrupt");
      }
      Set<String> runs = new LinkedHashSet<>();
      for (int i = 0; i < n; i++) {
        runs.add(in.readUTF());
      }
      String fault = in.readUTF();
      long atStart = in.readLong();
      long checkpoint = in.readLong();
      String location = in.readUTF();
      int streak = in.readInt();
      String streakFault = in.readUTF();
      int revision = in.readInt();
      boolean looping = in.readBoolean();
      long since = in.readLong();
      int stop = in.readInt();
      return new JobAttempts(
          attempt,
          runs,
          fault.isEmpty() ? null : fault,
          atStart,
          checkpoint,
          location.isEmpty() ? null : location,
          streak,
          streakFault.isEmpty() ? null : streakFault,
          revision,
          looping,
          since,
          stop);
    } catch (IOException e) {
      throw new IllegalStateException("job attempts: truncated (" + e + ")", e);
    }
  }
}
