package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

/**
 * Topics, a transactional alert producer (as the monitor writes) and readers, on the shared real
 * broker.
 */
final class KafkaFixture implements AutoCloseable {

  final EmbeddedKafkaBroker broker = SharedBroker.get();
  final String id = UUID.randomUUID().toString().substring(0, 8);
  final String alertsTopic = "alerts-" + id;
  final String dlqTopic = "alerts-dlq-" + id;
  final String bridgeName = "it-" + id;
  private final KafkaProducer<byte[], byte[]> producer;

  KafkaFixture(int partitions) {
    broker.createTopic(alertsTopic, partitions);
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "monitor-" + id);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producer = new KafkaProducer<>(p);
    producer.initTransactions();
  }

  Map<String, Object> kafkaProps() {
    return Map.of("bootstrap.servers", broker.bootstrapServers());
  }

  /** The bridge keys every test shares: its own topics and name, fast retries, unpaced. */
  Map<String, String> baseConfig() {
    Map<String, String> c = new HashMap<>();
    c.put("bridge.name", bridgeName);
    c.put("bridge.topic", alertsTopic);
    c.put("bridge.dlq_topic", dlqTopic);
    c.put("bridge.start_from", "earliest");
    c.put("retry.max_attempts", "4");
    c.put("retry.initial_backoff", "50ms");
    c.put("retry.max_backoff", "1s");
    c.put("retry.park_interval", "400ms");
    c.put("retry.rate_limit_backoff", "300ms");
    c.put("http.timeout", "2s"); // generous: the machine may be loaded; timeout tests lower it
    c.put("http.connect_timeout", "2s");
    c.put("rate.per_second", "0");
    return c;
  }

  /** Writes alerts in one committed transaction, keyed by alert_id, in the given order. */
  void send(Alert... alerts) {
    producer.beginTransaction();
    for (Alert a : alerts) {
      producer.send(
          new ProducerRecord<>(
              alertsTopic, a.alertId().getBytes(StandardCharsets.UTF_8), AlertCodec.encode(a)));
    }
    producer.commitTransaction();
  }

  /**
   * Writes alerts in a transaction that is then aborted: a read_committed consumer must never see
   * them.
   */
  void sendAborted(Alert... alerts) {
    producer.beginTransaction();
    for (Alert a : alerts) {
      producer.send(
          new ProducerRecord<>(
              alertsTopic, a.alertId().getBytes(StandardCharsets.UTF_8), AlertCodec.encode(a)));
    }
    producer.flush();
    producer.abortTransaction();
  }

  /**
   * Writes alerts as the monitor does: to the alerts topic and, in the same committed transaction,
   * to its compacted active topic (the alert while it fires, a tombstone once it resolves). The
   * active topic is created on first use.
   */
  void sendAsMonitor(Alert... alerts) {
    String active = Topics.activeAlerts(alertsTopic);
    if (!activeCreated) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin
            .createTopics(
                List.of(
                    new NewTopic(active, 1, (short) 1)
                        .configs(Map.of("cleanup.policy", "compact"))))
            .all()
            .get();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      activeCreated = true;
    }
    producer.beginTransaction();
    for (Alert a : alerts) {
      byte[] key = a.alertId().getBytes(StandardCharsets.UTF_8);
      producer.send(new ProducerRecord<>(alertsTopic, key, AlertCodec.encode(a)));
      producer.send(new ProducerRecord<>(active, key, a.firing() ? AlertCodec.encode(a) : null));
    }
    producer.commitTransaction();
  }

  private boolean activeCreated;

  /** What an operator does with {@code kafka-consumer-groups --delete-offsets}. */
  void deleteGroupOffsets() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      List<TopicPartition> tps =
          admin
              .describeTopics(List.of(alertsTopic))
              .allTopicNames()
              .get()
              .get(alertsTopic)
              .partitions()
              .stream()
              .map(i -> new TopicPartition(alertsTopic, i.partition()))
              .toList();
      admin.deleteConsumerGroupOffsets(groupId(), new java.util.HashSet<>(tps)).all().get();
    }
  }

  void sendRaw(String key, byte[] value) {
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(alertsTopic, key.getBytes(StandardCharsets.UTF_8), value));
    producer.commitTransaction();
  }

  /** Reads {@code n} records of {@code topic} from the start, failing after 15 s. */
  List<ConsumerRecord<byte[], byte[]>> read(String topic, int n) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Awaitility.await("at least " + n + " records on " + topic)
          .atMost(Duration.ofSeconds(15))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(10))
          .untilAsserted(
              () -> {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
                assertThat(out).as("records on " + topic).hasSizeGreaterThanOrEqualTo(n);
              });
    }
    return out;
  }

  /** The consumer group of the bridge named {@link #bridgeName}. */
  String groupId() {
    return "trainwatch-bridge-" + bridgeName;
  }

  /** The bridge's committed offset on partition 0 of the alerts topic, or -1. */
  long committedOffset() {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> m =
          admin.listConsumerGroupOffsets(groupId()).partitionsToOffsetAndMetadata().get();
      OffsetAndMetadata o = m.get(new TopicPartition(alertsTopic, 0));
      return o == null ? -1 : o.offset();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The sum of the bridge's committed offsets over every partition of the alerts topic. */
  long committedOffsets() {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      return admin
          .listConsumerGroupOffsets(groupId())
          .partitionsToOffsetAndMetadata()
          .get()
          .entrySet()
          .stream()
          .filter(e -> e.getKey().topic().equals(alertsTopic) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset())
          .sum();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** What an operator does with {@code kafka-consumer-groups --reset-offsets --to-earliest}. */
  void resetOffsetsToEarliest() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin
          .alterConsumerGroupOffsets(
              groupId(), Map.of(new TopicPartition(alertsTopic, 0), new OffsetAndMetadata(0)))
          .all()
          .get();
    }
  }

  /** Waits until {@code condition} holds; fails with {@code what} after {@code timeout}. */
  static void await(Duration timeout, String what, BooleanSupplier condition) {
    Awaitility.await(what)
        .atMost(timeout)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
