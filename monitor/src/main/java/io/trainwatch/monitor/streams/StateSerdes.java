package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.fleet.HostCodec;
import io.trainwatch.monitor.fleet.HostState;
import io.trainwatch.monitor.fleet.Implication;
import io.trainwatch.monitor.job.JobCodec;
import io.trainwatch.monitor.job.JobSignal;
import io.trainwatch.monitor.job.JobState;
import io.trainwatch.monitor.job.RankIdentity;
import io.trainwatch.monitor.job.RankState;
import io.trainwatch.monitor.job.StepStats;
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

  /** A job's state ({@link JobCodec}). */
  public static Serde<JobState> jobState() {
    return Serdes.serdeFrom(
        (topic, v) -> v == null ? null : JobCodec.encode(v),
        (topic, b) -> b == null ? null : decode(() -> JobCodec.decodeJob(b), topic));
  }

  /** A rank's state in its job ({@link JobCodec}). */
  public static Serde<RankState> rankState() {
    return Serdes.serdeFrom(
        (topic, v) -> v == null ? null : JobCodec.encode(v),
        (topic, b) -> b == null ? null : decode(() -> JobCodec.decodeRank(b), topic));
  }

  /** A step's reports ({@link JobCodec}). */
  public static Serde<StepStats> stepStats() {
    return Serdes.serdeFrom(
        (topic, v) -> v == null ? null : JobCodec.encode(v),
        (topic, b) -> b == null ? null : decode(() -> JobCodec.decodeStep(b), topic));
  }

  /** A run's identity in its job ({@link JobCodec}). */
  public static Serde<RankIdentity> rankIdentity() {
    return Serdes.serdeFrom(
        (topic, v) -> v == null ? null : JobCodec.encode(v),
        (topic, b) -> b == null ? null : decode(() -> JobCodec.decodeIdentity(b), topic));
  }

  /** The records of the job-signals topic ({@link JobCodec}). */
  public static Serde<JobSignal> jobSignal() {
    return Serdes.serdeFrom(
        (topic, v) -> v == null ? null : JobCodec.encode(v),
        (topic, b) -> b == null ? null : decode(() -> JobCodec.decodeSignal(b), topic));
  }

  /** A host's state ({@link HostCodec}). */
  public static Serde<HostState> hostState() {
    return Serdes.serdeFrom(
        (topic, v) -> v == null ? null : HostCodec.encode(v),
        (topic, b) -> b == null ? null : decode(() -> HostCodec.decodeHost(b), topic));
  }

  /** The records of the host-signals topic ({@link HostCodec}). */
  public static Serde<Implication> implication() {
    return Serdes.serdeFrom(
        (topic, v) -> v == null ? null : HostCodec.encode(v),
        (topic, b) -> b == null ? null : decode(() -> HostCodec.decodeImplication(b), topic));
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
