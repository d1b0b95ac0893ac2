package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.actions.AttemptSignal;
import io.trainwatch.monitor.actions.CheckpointHistory;
import io.trainwatch.monitor.actions.CheckpointHistoryCodec;
import io.trainwatch.monitor.actions.JobAttempts;
import io.trainwatch.schemas.ControlCodec;
import io.trainwatch.schemas.ControlCommand;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serdes of closed-loop actions: checkpoint histories and control commands. */
public final class ActionSerdes {

  private ActionSerdes() {}

  /** The binary checkpoint history ({@link CheckpointHistoryCodec}). */
  public static Serde<CheckpointHistory> checkpointHistory() {
    return Serdes.serdeFrom(
        (topic, h) -> h == null ? null : CheckpointHistoryCodec.encode(h),
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return CheckpointHistoryCodec.decode(bytes);
          } catch (IllegalStateException e) {
            throw new SerializationException(
                "cannot read monitor state from " + topic + ": " + e.getMessage(), e);
          }
        });
  }

  /** Attempt signals on the attempts topic ({@link AttemptSignal#encode}). */
  public static Serde<AttemptSignal> attemptSignal() {
    return Serdes.serdeFrom(
        (topic, s) -> s == null ? null : s.encode(),
        (topic, bytes) -> bytes == null ? null : read(topic, () -> AttemptSignal.decode(bytes)));
  }

  /** Job attempts in the {@code job-attempts} store ({@link JobAttempts#encode}). */
  public static Serde<JobAttempts> jobAttempts() {
    return Serdes.serdeFrom(
        (topic, s) -> s == null ? null : s.encode(),
        (topic, bytes) -> bytes == null ? null : read(topic, () -> JobAttempts.decode(bytes)));
  }

  private static <T> T read(String topic, java.util.function.Supplier<T> decode) {
    try {
      return decode.get();
    } catch (IllegalStateException e) {
      throw new SerializationException(
          "cannot read monitor state from " + topic + ": " + e.getMessage(), e);
    }
  }

  /** Commands as contract JSON. */
  public static Serializer<ControlCommand> commandSerializer() {
    return (topic, c) -> c == null ? null : ControlCodec.encode(c);
  }
}
