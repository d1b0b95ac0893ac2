package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.run.RunInfo;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.RunStateCodec;
import io.trainwatch.monitor.run.RunTrace;
import io.trainwatch.monitor.run.RunTraceCodec;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serdes over the monitor's own formats: per-run state, run info, and alerts. */
public final class StateSerdes {

  private StateSerdes() {}

  /** The versioned binary run state ({@link RunStateCodec}). */
  public static Serde<RunState> runState() {
    return Serdes.serdeFrom(
        (topic, state) -> state == null ? null : RunStateCodec.encode(state),
        (topic, bytes) -> bytes == null ? null : decode(() -> RunStateCodec.decode(bytes), topic));
  }

  /** The versioned binary run info ({@link RunStateCodec#encodeInfo}). */
  public static Serde<RunInfo> runInfo() {
    return Serdes.serdeFrom(
        (topic, info) -> info == null ? null : RunStateCodec.encodeInfo(info),
        (topic, bytes) ->
            bytes == null ? null : decode(() -> RunStateCodec.decodeInfo(bytes), topic));
  }

  /** The versioned binary run trace ({@link RunTraceCodec}). */
  public static Serde<RunTrace> runTrace() {
    return Serdes.serdeFrom(
        (topic, trace) -> trace == null ? null : RunTraceCodec.encode(trace),
        (topic, bytes) -> bytes == null ? null : decode(() -> RunTraceCodec.decode(bytes), topic));
  }

  /** Alerts as contract JSON. */
  public static Serializer<Alert> alertSerializer() {
    return (topic, alert) -> alert == null ? null : AlertCodec.encode(alert);
  }

  /** Alerts from contract JSON. */
  public static Deserializer<Alert> alertDeserializer() {
    return (topic, bytes) -> bytes == null ? null : AlertCodec.decode(bytes);
  }

  private static <T> T decode(java.util.function.Supplier<T> read, String topic) {
    try {
      return read.get();
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new SerializationException(
          "cannot read monitor state from " + topic + ": " + e.getMessage(), e);
    }
  }
}
