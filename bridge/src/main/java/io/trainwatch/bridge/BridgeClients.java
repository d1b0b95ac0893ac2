package io.trainwatch.bridge;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The properties of a bridge's Kafka clients: the user's client settings (security and the like),
 * each client given only the keys it knows, under the settings the bridge's guarantees need.
 */
final class BridgeClients {

  private final BridgeConfig config;
  private final Map<String, Object> kafka;

  /**
   * @param kafkaClientProps {@code bootstrap.servers} plus any security settings
   * @throws IllegalArgumentException without {@code bootstrap.servers}
   */
  BridgeClients(BridgeConfig config, Map<String, Object> kafkaClientProps) {
    if (!kafkaClientProps.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      throw new IllegalArgumentException("kafka properties: bootstrap.servers is required");
    }
    this.config = config;
    this.kafka = Map.copyOf(kafkaClientProps);
  }

  /** The consumer of the alerts topic: the bridge's group, committed records only, by hand. */
  Map<String, Object> alertsConsumer() {
    Map<String, Object> p =
        only(
            ConsumerConfig.configNames(),
            Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "trainwatch-bridge-" + config.name()));
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // The monitor writes alerts in transactions: never deliver an alert from an aborted one.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // active: the open alerts are read first, then the alerts topic from the end it had then
    // (sought when the partitions are assigned); latest covers a partition added meanwhile.
    p.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        config.startFrom() == BridgeConfig.StartFrom.ACTIVE
            ? "latest"
            : config.startFrom().name().toLowerCase(Locale.ROOT));
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }

  /** The reader of the state topic: no group, from the beginning. */
  Map<String, Object> ledgerReader() {
    Map<String, Object> p =
        only(
            ConsumerConfig.configNames(),
            Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "trainwatch-bridge-" + config.name() + "-state"));
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }

  /** The reader of the active-alerts topic: no group, committed records only. */
  Map<String, Object> activeReader() {
    Map<String, Object> p = ledgerReader();
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "trainwatch-bridge-" + config.name() + "-active");
    // Written in the monitor's transactions, like the alerts.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return p;
  }

  /** The producer of state and dead-letter records: acknowledged by all replicas, idempotent. */
  Map<String, Object> producer() {
    Map<String, Object> p =
        only(
            ProducerConfig.configNames(),
            Map.of(ProducerConfig.CLIENT_ID_CONFIG, "trainwatch-bridge-" + config.name()));
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Ledger writes are synchronous and one at a time: batching would only add latency.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return p;
  }

  /** The admin client that creates the bridge's topics. */
  Map<String, Object> admin() {
    return only(AdminClientConfig.configNames(), Map.of());
  }

  /**
   * The client properties a client knows, over the given defaults (so each client gets no
   * unknown-key warnings).
   */
  private Map<String, Object> only(Set<String> known, Map<String, Object> defaults) {
    Map<String, Object> p = new HashMap<>(defaults);
    kafka.forEach(
        (k, v) -> {
          if (known.contains(k)) {
            p.put(k, v);
          }
        });
    return p;
  }
}
