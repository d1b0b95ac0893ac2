package io.trainwatch.monitor.streams;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The headers of a dead letter: the original record's headers, plus why it was rejected and where
 * it came from. The key and value are the original bytes, unchanged, except the value of an
 * oversized record, which is cut (then {@link #VALUE_BYTES} gives the original size).
 */
public final class DeadLetters {

  /** Why the record was rejected, e.g. {@code loss: required}. */
  public static final String REASON = "trainwatch.error.reason";

  /** The topic the record was read from. */
  public static final String TOPIC = "trainwatch.error.topic";

  /** The partition the record was read from. */
  public static final String PARTITION = "trainwatch.error.partition";

  /** The offset of the record. */
  public static final String OFFSET = "trainwatch.error.offset";

  /**
   * Where it was rejected: {@code decode} (not a valid event), {@code run} (a valid event that does
   * not fit its run's history, or a run beyond the instance's cap) or {@code processing} (an
   * unexpected exception).
   */
  public static final String STAGE = "trainwatch.error.stage";

  /** The exception class, for records rejected by an unexpected exception. */
  public static final String EXCEPTION = "trainwatch.error.exception";

  /** Set when the dead letter's value is truncated: the original value's size in bytes. */
  public static final String VALUE_BYTES = "trainwatch.error.value_bytes";

  /** Longest reason kept in a header: a reason is one line, not a stack trace. */
  static final int MAX_REASON = 1024;

  private DeadLetters() {}

  /**
   * The original headers plus the rejection headers; the original {@code Headers} object is not
   * modified.
   */
  public static Headers headers(
      Headers original, String stage, String reason, String topic, Integer partition, Long offset) {
    RecordHeaders h =
        original == null ? new RecordHeaders() : new RecordHeaders(original.toArray());
    add(h, STAGE, stage);
    String line = oneLine(reason);
    add(h, REASON, line.length() <= MAX_REASON ? line : line.substring(0, MAX_REASON - 1) + "…");
    if (topic != null) {
      add(h, TOPIC, topic);
    }
    if (partition != null && partition >= 0) {
      add(h, PARTITION, Integer.toString(partition));
    }
    if (offset != null && offset >= 0) {
      add(h, OFFSET, Long.toString(offset));
    }
    return h;
  }

  /**
   * The headers of a dead letter for the record {@code context} is processing now: its headers plus
   * the rejection headers, with the source topic, partition and offset.
   */
  static Headers headers(
      ProcessorContext<?, ?> context, Headers original, String stage, String reason) {
    RecordMetadata m = context.recordMetadata().orElse(null);
    return m == null
        ? headers(original, stage, reason, null, null, null)
        : headers(original, stage, reason, m.topic(), m.partition(), m.offset());
  }

  /**
   * Where the record {@code context} is processing now came from, as {@code
   * topic-partition@offset}, for logs.
   */
  static String source(ProcessorContext<?, ?> context) {
    return context
        .recordMetadata()
        .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
        .orElse("a record");
  }

  /**
   * {@code reason} with control characters escaped as in Java source (a line feed becomes
   * backslash-n): a reason may quote the record's key or a string from it, and a line break there
   * would let a producer forge lines in whatever shows reasons.
   */
  static String oneLine(String reason) {
    StringBuilder b = null;
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      if (!Character.isISOControl(c)) {
        if (b != null) {
          b.append(c);
        }
        continue;
      }
      if (b == null) {
        b = new StringBuilder(reason.length() + 16).append(reason, 0, i);
      }
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> b.append(String.format("\\u%04x", (int) c));
      }
    }
    return b == null ? reason : b.toString();
  }

  /** A header value as text, or {@code null} when absent. */
  public static String header(Headers headers, String key) {
    var h = headers.lastHeader(key);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  static void add(Headers h, String key, String value) {
    h.remove(key);
    h.add(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
