package io.trainwatch.trainer;

import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * How a {@link KafkaEventPublisher} connects and how much it may buffer: built in code ({@link
 * #defaults} and the {@code with...} methods) or from {@link PublisherConfigDef} keys ({@link
 * #fromConfig}). Every key is described in {@code docs/trainer.md} ("Publisher settings").
 *
 * @param bootstrapServers Kafka {@code bootstrap.servers}
 * @param topic where events go; {@link Topics#EVENTS} unless you run several deployments on one
 *     cluster
 * @param clientProperties extra Kafka client settings ({@code security.protocol}, {@code sasl.*},
 *     {@code ssl.*}, ...), applied over the publisher's defaults; never logged
 * @param queueCapacity events that may wait for the sender thread; beyond that, new events are
 *     dropped
 * @param bufferMemoryBytes the producer's {@code buffer.memory}: serialized events awaiting
 *     delivery
 * @param deliveryTimeout the producer's {@code delivery.timeout.ms}: how long an event may wait for
 *     a broker
 * @param linger the producer's {@code linger.ms}: batching delay
 * @param metadataWarmup how long the sender thread waits for the topic's metadata before it starts
 *     sending anyway (the training thread never waits for it)
 * @param closeTimeout how long {@link KafkaEventPublisher#close()} may take to deliver what is
 *     still queued
 * @param lossLogInterval after the first dropped or failed event is logged, every how many further
 *     ones are logged
 */
public record KafkaPublisherSettings(
    String bootstrapServers,
    String topic,
    Map<String, String> clientProperties,
    int queueCapacity,
    long bufferMemoryBytes,
    Duration deliveryTimeout,
    Duration linger,
    Duration metadataWarmup,
    Duration closeTimeout,
    long lossLogInterval) {

  public static final int DEFAULT_QUEUE_CAPACITY = 8_192;
  public static final long DEFAULT_BUFFER_MEMORY_BYTES = 8L * 1024 * 1024;
  public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
  public static final Duration DEFAULT_METADATA_WARMUP = Duration.ofSeconds(10);
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
  public static final long DEFAULT_LOSS_LOG_INTERVAL = 1_000;

  public KafkaPublisherSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers: must not be empty");
    }
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("topic: must not be empty");
    }
    clientProperties = clientProperties == null ? Map.of() : Map.copyOf(clientProperties);
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity=" + queueCapacity + ": must be >= 1");
    }
    // The producer refuses buffers smaller than one batch; 64 KiB keeps a few batches of events.
    if (bufferMemoryBytes < 64 * 1024) {
      throw new IllegalArgumentException(
          "bufferMemoryBytes=" + bufferMemoryBytes + ": must be >= 65536");
    }
    requireAtLeast("deliveryTimeout", deliveryTimeout, Duration.ofSeconds(1));
    requireAtLeast("linger", linger, Duration.ZERO);
    if (linger.compareTo(deliveryTimeout) >= 0) {
      throw new IllegalArgumentException(
          "linger=" + linger + ": must be < deliveryTimeout=" + deliveryTimeout);
    }
    requireAtLeast("metadataWarmup", metadataWarmup, Duration.ZERO);
    requireAtLeast("closeTimeout", closeTimeout, Duration.ZERO);
    if (lossLogInterval < 1) {
      throw new IllegalArgumentException("lossLogInterval=" + lossLogInterval + ": must be >= 1");
    }
  }

  /** The defaults for a cluster, publishing to {@link Topics#EVENTS}. */
  public static KafkaPublisherSettings defaults(String bootstrapServers) {
    return new KafkaPublisherSettings(
        bootstrapServers,
        Topics.EVENTS,
        Map.of(),
        DEFAULT_QUEUE_CAPACITY,
        DEFAULT_BUFFER_MEMORY_BYTES,
        DEFAULT_DELIVERY_TIMEOUT,
        DEFAULT_LINGER,
        DEFAULT_METADATA_WARMUP,
        DEFAULT_CLOSE_TIMEOUT,
        DEFAULT_LOSS_LOG_INTERVAL);
  }

  /**
   * Settings from {@link PublisherConfigDef} keys: raw strings (a properties file) or typed values,
   * each key absent taking its default; other keys are ignored.
   *
   * @throws org.apache.kafka.common.config.ConfigException naming the first invalid key
   */
  public static KafkaPublisherSettings fromConfig(String bootstrapServers, Map<String, ?> config) {
    Map<String, Object> known = new TreeMap<>();
    config.forEach(
        (k, v) -> {
          if (PublisherConfigDef.DEF.names().contains(k)) {
            known.put(k, v);
          }
        });
    Map<String, Object> v = PublisherConfigDef.DEF.parse(known);
    return new KafkaPublisherSettings(
        bootstrapServers,
        (String) v.get(PublisherConfigDef.TOPIC),
        Map.of(),
        (Integer) v.get(PublisherConfigDef.QUEUE_CAPACITY),
        (Long) v.get(PublisherConfigDef.BUFFER_MEMORY_BYTES),
        Duration.ofMillis((Long) v.get(PublisherConfigDef.DELIVERY_TIMEOUT_MS)),
        Duration.ofMillis((Long) v.get(PublisherConfigDef.LINGER_MS)),
        Duration.ofMillis((Long) v.get(PublisherConfigDef.METADATA_WARMUP_MS)),
        Duration.ofMillis((Long) v.get(PublisherConfigDef.CLOSE_TIMEOUT_MS)),
        (Long) v.get(PublisherConfigDef.LOSS_LOG_INTERVAL));
  }

  /**
   * These settings with Kafka client properties (security and the like) loaded from a file or built
   * in code.
   */
  public KafkaPublisherSettings withClientProperties(Properties properties) {
    Map<String, String> copy = new TreeMap<>();
    for (String name : properties.stringPropertyNames()) {
      copy.put(name, properties.getProperty(name));
    }
    return new KafkaPublisherSettings(
        bootstrapServers,
        topic,
        copy,
        queueCapacity,
        bufferMemoryBytes,
        deliveryTimeout,
        linger,
        metadataWarmup,
        closeTimeout,
        lossLogInterval);
  }

  /** These settings with another topic. */
  public KafkaPublisherSettings withTopic(String newTopic) {
    return new KafkaPublisherSettings(
        bootstrapServers,
        newTopic,
        clientProperties,
        queueCapacity,
        bufferMemoryBytes,
        deliveryTimeout,
        linger,
        metadataWarmup,
        closeTimeout,
        lossLogInterval);
  }

  /** These settings with other buffer sizes. */
  public KafkaPublisherSettings withBuffers(int newQueueCapacity, long newBufferMemoryBytes) {
    return new KafkaPublisherSettings(
        bootstrapServers,
        topic,
        clientProperties,
        newQueueCapacity,
        newBufferMemoryBytes,
        deliveryTimeout,
        linger,
        metadataWarmup,
        closeTimeout,
        lossLogInterval);
  }

  /** These settings with other time limits. */
  public KafkaPublisherSettings withTimeouts(
      Duration newDeliveryTimeout, Duration newMetadataWarmup, Duration newCloseTimeout) {
    return new KafkaPublisherSettings(
        bootstrapServers,
        topic,
        clientProperties,
        queueCapacity,
        bufferMemoryBytes,
        newDeliveryTimeout,
        linger,
        newMetadataWarmup,
        newCloseTimeout,
        lossLogInterval);
  }

  private static void requireAtLeast(String name, Duration value, Duration min) {
    if (value == null) {
      throw new IllegalArgumentException(name + ": required");
    }
    if (value.compareTo(min) < 0) {
      throw new IllegalArgumentException(name + "=" + value + ": must be >= " + min);
    }
  }
}
