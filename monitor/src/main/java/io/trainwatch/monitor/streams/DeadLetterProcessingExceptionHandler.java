package io.trainwatch.monitor.streams;

import io.trainwatch.schemas.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log and continue, sending the source record to the dead-letter topic: an unexpected exception
 * while processing one record must never stop the monitor for every other run. The record goes out
 * unchanged, with the exception in its headers. (Kafka's own handlers would use {@code
 * __streams.errors.*} headers; this one uses the same {@code trainwatch.error.*} headers as records
 * rejected by decoding, so one consumer reads both.)
 */
public final class DeadLetterProcessingExceptionHandler implements ProcessingExceptionHandler {

  private static final Logger LOG =
      LoggerFactory.getLogger(DeadLetterProcessingExceptionHandler.class);

  /**
   * The Streams configuration key naming the dead-letter topic (the monitor sets it from {@code
   * monitor.topics.dlq}); {@link Topics#EVENTS_DLQ} when absent.
   */
  public static final String DLQ_TOPIC_CONFIG = "trainwatch.monitor.dlq_topic";

  /**
   * The Streams configuration key holding the {@link TopologyMetrics} (an object, not a string)
   * that counts these dead letters with stage {@code processing}; none counted when absent.
   */
  public static final String METRICS_CONFIG = "trainwatch.monitor.metrics";

  private String dlqTopic = Topics.EVENTS_DLQ;
  private TopologyMetrics metrics = TopologyMetrics.NONE;

  @Override
  public void configure(Map<String, ?> configs) {
    Object topic = configs.get(DLQ_TOPIC_CONFIG);
    if (topic != null) {
      dlqTopic = topic.toString();
    }
    if (configs.get(METRICS_CONFIG) instanceof TopologyMetrics m) {
      metrics = m;
    }
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    LOG.error(
        "Processing failed in {} for {}-{}@{}; record sent to {} and processing continues",
        context.processorNodeId(),
        context.topic(),
        context.partition(),
        context.offset(),
        dlqTopic,
        exception);
    if (context.sourceRawValue() == null && context.sourceRawKey() == null) {
      return Response.resume(); // e.g. a punctuation: there is no source record to keep
    }
    String reason =
        "exception: "
            + exception.getClass().getName()
            + (exception.getMessage() == null ? "" : ": " + exception.getMessage());
    var headers =
        DeadLetters.headers(
            context.headers(),
            "processing",
            reason,
            context.topic(),
            context.partition(),
            context.offset());
    DeadLetters.add(headers, DeadLetters.EXCEPTION, exception.getClass().getName());
    ProducerRecord<byte[], byte[]> dead =
        new ProducerRecord<>(
            dlqTopic,
            null,
            context.timestamp(),
            context.sourceRawKey(),
            context.sourceRawValue(),
            headers);
    metrics.deadLettered("processing", reason);
    return Response.resume(List.of(dead));
  }
}
