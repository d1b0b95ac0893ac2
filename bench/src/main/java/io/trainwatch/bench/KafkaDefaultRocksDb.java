package io.trainwatch.bench;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * A RocksDB config setter that changes nothing: the takeover section's {@code -kafka-defaults}
 * scenarios run the monitor with Kafka Streams' own RocksDB settings in place of the monitor's.
 */
public final class KafkaDefaultRocksDb implements RocksDBConfigSetter {

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    // Kafka Streams' defaults.
  }

  @Override
  public void close(String storeName, Options options) {
    // Nothing allocated.
  }
}
