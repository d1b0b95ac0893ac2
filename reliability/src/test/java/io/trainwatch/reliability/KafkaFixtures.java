package io.trainwatch.reliability;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Producing test input and reading results back, with plain Kafka clients (no group, so no group
 * ACL needed).
 */
final class KafkaFixtures {

  private KafkaFixtures() {}

  /** Sends events keyed by run id, waiting for every acknowledgement. */
  static void produceEvents(
      Map<String, Object> client, String topic, List<? extends TrainingEvent> events) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (TrainingEvent e : events) {
      records.add(
          new ProducerRecord<>(
              topic,
              null,
              e.tsMs(),
              e.runId().getBytes(StandardCharsets.UTF_8),
              EventCodec.encode(e)));
    }
    produce(client, records);
  }

  /** Sends raw records (hostile input included), waiting for every acknowledgement. */
  static void produce(Map<String, Object> client, List<ProducerRecord<byte[], byte[]>> records) {
    Map<String, Object> props = new HashMap<>(client);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      List<Future<?>> acks = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> r : records) {
        acks.add(producer.send(r));
      }
      for (Future<?> ack : acks) {
        ack.get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("produce failed: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a topic from the beginning as a {@code read_committed} consumer (unless the client
   * settings say otherwise) until {@code done} holds for what was read and then nothing new arrives
   * for {@code quiet}, or until {@code timeout}.
   */
  static List<ConsumerRecord<byte[], byte[]>> readAll(
      Map<String, Object> client,
      String topic,
      Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
      Duration quiet,
      Duration timeout) {
    Map<String, Object> props = new HashMap<>(client);
    props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long[] lastNew = {System.nanoTime()};
      try {
        Awaitility.await()
            .atMost(timeout)
            .pollInSameThread()
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(10))
            .until(
                () -> {
                  int before = out.size();
                  consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                  if (out.size() > before) {
                    lastNew[0] = System.nanoTime();
                    return false;
                  }
                  return done.test(out) && System.nanoTime() - lastNew[0] >= quiet.toNanos();
                });
      } catch (ConditionTimeoutException e) {
        // What arrived until the timeout: the callers' assertions say what is missing.
      }
    }
    return out;
  }

  static List<Alert> alerts(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> AlertCodec.decode(r.value())).toList();
  }

  /** A header's value as text, or {@code null}. */
  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
