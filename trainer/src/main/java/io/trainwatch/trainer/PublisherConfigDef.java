package io.trainwatch.trainer;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import io.trainwatch.schemas.Topics;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * The keys of a {@link KafkaEventPublisher}'s settings ({@code publisher.*}) as a Kafka {@link
 * ConfigDef}: type, default, range and meaning. {@link KafkaPublisherSettings#fromConfig} reads
 * them; {@code trainwatch train --config FILE} takes them from a properties file. Kafka client
 * settings (security and the like) are not here: they are the client's own keys. docs/trainer.md
 * ("Publisher settings") documents every key.
 */
public final class PublisherConfigDef {

  public static final String TOPIC = "publisher.topic";
  public static final String QUEUE_CAPACITY = "publisher.queue_capacity";
  public static final String BUFFER_MEMORY_BYTES = "publisher.buffer_memory_bytes";
  public static final String DELIVERY_TIMEOUT_MS = "publisher.delivery_timeout_ms";
  public static final String LINGER_MS = "publisher.linger_ms";
  public static final String METADATA_WARMUP_MS = "publisher.metadata_warmup_ms";
  public static final String CLOSE_TIMEOUT_MS = "publisher.close_timeout_ms";
  public static final String LOSS_LOG_INTERVAL = "publisher.loss_log_interval";

  /** Every {@code publisher.*} key. */
  public static final ConfigDef DEF =
      new ConfigDef()
          .define(
              TOPIC,
              STRING,
              Topics.EVENTS,
              new ConfigDef.NonEmptyString(),
              HIGH,
              "Where events go; the monitor's monitor.topics.events.")
          .define(
              QUEUE_CAPACITY,
              INT,
              KafkaPublisherSettings.DEFAULT_QUEUE_CAPACITY,
              Range.atLeast(1),
              MEDIUM,
              "Events that may wait for the sender thread; beyond that, new events are dropped.")
          .define(
              BUFFER_MEMORY_BYTES,
              LONG,
              KafkaPublisherSettings.DEFAULT_BUFFER_MEMORY_BYTES,
              Range.atLeast(64 * 1024),
              MEDIUM,
              "The producer's buffer.memory: serialized events awaiting delivery.")
          .define(
              DELIVERY_TIMEOUT_MS,
              LONG,
              KafkaPublisherSettings.DEFAULT_DELIVERY_TIMEOUT.toMillis(),
              Range.atLeast(1_000),
              MEDIUM,
              "The producer's delivery.timeout.ms: how long an event may wait for a broker.")
          .define(
              LINGER_MS,
              LONG,
              KafkaPublisherSettings.DEFAULT_LINGER.toMillis(),
              Range.atLeast(0),
              LOW,
              "The producer's linger.ms: batching delay.")
          .define(
              METADATA_WARMUP_MS,
              LONG,
              KafkaPublisherSettings.DEFAULT_METADATA_WARMUP.toMillis(),
              Range.atLeast(0),
              LOW,
              "How long the sender thread waits for the topic's metadata before sending anyway.")
          .define(
              CLOSE_TIMEOUT_MS,
              LONG,
              KafkaPublisherSettings.DEFAULT_CLOSE_TIMEOUT.toMillis(),
              Range.atLeast(0),
              LOW,
              "How long close() may take to deliver what is still queued.")
          .define(
              LOSS_LOG_INTERVAL,
              LONG,
              KafkaPublisherSettings.DEFAULT_LOSS_LOG_INTERVAL,
              Range.atLeast(1),
              LOW,
              "After the first dropped or failed event is logged, every how many further ones are"
                  + " logged.");

  private PublisherConfigDef() {}
}
