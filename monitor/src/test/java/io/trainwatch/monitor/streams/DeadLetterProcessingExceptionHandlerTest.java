package io.trainwatch.monitor.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trainwatch.monitor.http.MonitorMetrics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class DeadLetterProcessingExceptionHandlerTest {

  private static final byte[] KEY = "run-1".getBytes(StandardCharsets.UTF_8);
  private static final byte[] VALUE = "{\"type\":\"batch\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void shouldSendTheSourceRecordToTheDlqAndCountItWithStageProcessing() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    DeadLetterProcessingExceptionHandler handler = new DeadLetterProcessingExceptionHandler();
    handler.configure(
        Map.of(
            DeadLetterProcessingExceptionHandler.DLQ_TOPIC_CONFIG,
            "events.dlq",
            DeadLetterProcessingExceptionHandler.METRICS_CONFIG,
            new MonitorMetrics(registry)));

    ProcessingExceptionHandler.Response response =
        handler.handleError(
            context(KEY, VALUE),
            new Record<>("run-1", "event", 1L),
            new IllegalStateException("a bug"));

    assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).hasSize(1);
    ProducerRecord<byte[], byte[]> dead = response.deadLetterQueueRecords().get(0);
    assertThat(dead.topic()).isEqualTo("events.dlq");
    assertThat(dead.value()).isEqualTo(VALUE);
    assertThat(
            registry
                .get("trainwatch.events.dead.lettered")
                .tag("stage", "processing")
                .tag("reason", "exception")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void shouldCountNothingWithoutASourceRecordNorWithoutMetrics() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    DeadLetterProcessingExceptionHandler counted = new DeadLetterProcessingExceptionHandler();
    counted.configure(
        Map.of(DeadLetterProcessingExceptionHandler.METRICS_CONFIG, new MonitorMetrics(registry)));
    // A punctuation's failure: nothing to dead-letter, nothing counted.
    assertThat(
            counted
                .handleError(context(null, null), null, new IllegalStateException("tick"))
                .deadLetterQueueRecords())
        .isEmpty();
    assertThat(registry.find("trainwatch.events.dead.lettered").counters()).isEmpty();

    DeadLetterProcessingExceptionHandler plain = new DeadLetterProcessingExceptionHandler();
    plain.configure(Map.of());
    assertThat(
            plain
                .handleError(context(KEY, VALUE), null, new IllegalStateException("a bug"))
                .deadLetterQueueRecords())
        .hasSize(1);
  }

  private static ErrorHandlerContext context(byte[] key, byte[] value) {
    return new ErrorHandlerContext() {
      @Override
      public String topic() {
        return "trainwatch.events";
      }

      @Override
      public int partition() {
        return 3;
      }

      @Override
      public long offset() {
        return 42;
      }

      @Override
      public Headers headers() {
        return new RecordHeaders();
      }

      @Override
      public String processorNodeId() {
        return MonitorTopology.EVALUATE;
      }

      @Override
      public TaskId taskId() {
        return new TaskId(0, 3);
      }

      @Override
      public long timestamp() {
        return 1L;
      }

      @Override
      public byte[] sourceRawKey() {
        return key;
      }

      @Override
      public byte[] sourceRawValue() {
        return value;
      }
    };
  }
}
