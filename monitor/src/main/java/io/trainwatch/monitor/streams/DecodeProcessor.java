package io.trainwatch.monitor.streams;

import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.InvalidEventException;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.schemas.util.RateLimitedLog;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads each record of {@code trainwatch.events} as a contract event. Valid events go on to the run
 * evaluator, keyed by run id; anything else (invalid JSON, contract violations, unknown type or
 * version, a tombstone, a key that is not the run id) goes to the dead-letter topic unchanged, with
 * the reason in its headers. A value larger than {@code monitor.events.max_record_bytes} is not
 * read at all; its dead letter keeps only the beginning. Fields this monitor does not know (a newer
 * trainer's) are skipped, never a reason to refuse the event: they are logged once per run and
 * counted ({@link TopologyMetrics#unknownFieldsSkipped}).
 *
 * <p>The two children take different types ({@link ReadEvent}s, raw bytes), hence the {@code
 * Object} output types.
 */
final class DecodeProcessor extends ContextualProcessor<byte[], byte[], Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);
  private static final long LOG_INTERVAL_MS = 10_000;

  /**
   * How much of an oversized value its dead letter keeps: enough to see what it was, small enough
   * to publish.
   */
  static final int OVERSIZED_COPY_BYTES = 64 * 1024;

  /** Runs whose skipped fields were already logged: bounded, the oldest forgotten first. */
  private static final int REPORTED_RUNS = 10_000;

  private final int maxRecordBytes;
  private final String dlqTopic;
  private final TopologyMetrics metrics;
  private final RateLimitedLog rejections = RateLimitedLog.perInterval(LOG_INTERVAL_MS);
  private final Set<String> reportedRuns =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > REPORTED_RUNS;
            }
          });

  /**
   * @param maxRecordBytes values larger than this are not read but dead-lettered
   * @param dlqTopic the dead-letter topic, named in the log
   */
  DecodeProcessor(int maxRecordBytes, String dlqTopic) {
    this(maxRecordBytes, dlqTopic, TopologyMetrics.NONE);
  }

  /**
   * @param maxRecordBytes values larger than this are not read but dead-lettered
   * @param dlqTopic the dead-letter topic, named in the log
   * @param metrics told of every event read and every record dead-lettered
   */
  DecodeProcessor(int maxRecordBytes, String dlqTopic, TopologyMetrics metrics) {
    this.maxRecordBytes = maxRecordBytes;
    this.dlqTopic = dlqTopic;
    this.metrics = metrics;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    String reason;
    TrainingEvent event = null;
    if (record.value() == null) {
      reason = "tombstone: the value is null, events are never deleted";
    } else if (record.key() == null) {
      reason = "key: missing, must be the run_id";
    } else if (record.value().length > maxRecordBytes) {
      reason =
          "value: "
              + record.value().length
              + " bytes, more than monitor.events.max_record_bytes="
              + maxRecordBytes
              + " (dead letter keeps the first "
              + OVERSIZED_COPY_BYTES
              + ")";
    } else {
      try {
        EventCodec.Decoded decoded = EventCodec.read(record.value());
        event = decoded.event();
        if (!decoded.ignored().isEmpty()) {
          reportSkipped(event.runId(), decoded.ignored());
        }
        reason =
            keyIsRunId(record.key(), event.runId())
                ? null
                : "key \""
                    + abbreviate(new String(record.key(), StandardCharsets.UTF_8))
                    + "\": must equal run_id \""
                    + abbreviate(event.runId())
                    + "\"";
      } catch (InvalidEventException e) {
        reason = e.getMessage();
      }
    }
    if (reason == null) {
      metrics.eventRead(event);
      context()
          .forward(
              new Record<>(
                  event.runId(),
                  new ReadEvent(event, record.key(), record.value()),
                  record.timestamp(),
                  record.headers()),
              MonitorTopology.EVALUATE);
    } else {
      reject(record, reason);
    }
  }

  private void reportSkipped(String runId, List<String> ignored) {
    boolean first = reportedRuns.add(runId);
    metrics.unknownFieldsSkipped(runId, ignored.size(), first);
    if (first) {
      LOG.warn(
          "Run {}: skipping fields this monitor does not know (a newer trainer?): {}",
          abbreviate(runId),
          String.join(", ", ignored));
    }
  }

  private void reject(Record<byte[], byte[]> record, String reason) {
    var headers = DeadLetters.headers(context(), record.headers(), "decode", reason);
    byte[] value = record.value();
    if (value != null && value.length > maxRecordBytes) {
      // The whole value may not fit in a producer request; a record that cannot be written would
      // stop the task.
      DeadLetters.add(headers, DeadLetters.VALUE_BYTES, Integer.toString(value.length));
      value = Arrays.copyOf(value, Math.min(OVERSIZED_COPY_BYTES, maxRecordBytes));
    }
    context().forward(record.withHeaders(headers).withValue(value), MonitorTopology.DLQ_SINK);
    metrics.deadLettered("decode", reason);
    rejections.occurred(
        context().currentSystemTimeMs(),
        (n, unlogged) ->
            LOG.warn(
                "Rejected {} to {}: {}{}",
                DeadLetters.source(context()),
                dlqTopic,
                reason,
                RateLimitedLog.andMore(unlogged)));
  }

  /**
   * {@code true} if the key, read as UTF-8, is the run id: an ASCII run id is compared byte by byte
   * (no string is made per event), any other the long way.
   */
  static boolean keyIsRunId(byte[] key, String runId) {
    int n = runId.length();
    if (key.length == n) {
      for (int i = 0; i < n; i++) {
        char c = runId.charAt(i);
        if (c >= 0x80) {
          return new String(key, StandardCharsets.UTF_8).equals(runId);
        }
        if (key[i] != (byte) c) {
          // An ASCII byte that differs, or a byte >= 0x80, which never reads as this ASCII id.
          return false;
        }
      }
      return true;
    }
    return new String(key, StandardCharsets.UTF_8).equals(runId);
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 61) + "...";
  }
}
