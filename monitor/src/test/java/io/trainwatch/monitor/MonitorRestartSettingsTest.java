package io.trainwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.streams.CrashSafeRocksDb;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

/**
 * The settings that make a restart fast (docs/reliability.md, section 10) are the monitor's
 * defaults, and a client setting of the same key wins over each.
 */
class MonitorRestartSettingsTest {

  @Test
  void shouldRestartFromTransactionalStoresWithSmallMemtablesAndNoJmx() {
    Properties p = Monitor.streamsProperties(MonitorOptions.of("localhost:1"));

    assertThat(p.get(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG)).isEqualTo(true);
    assertThat(p.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
        .isEqualTo(CrashSafeRocksDb.class.getName());
    assertThat(p.get(StreamsConfig.METRIC_REPORTER_CLASSES_CONFIG)).isEqualTo("");
    assertThat(p.get(StreamsConfig.ENABLE_METRICS_PUSH_CONFIG)).isEqualTo(false);
    // Kafka Streams accepts the whole set.
    assertThat(new StreamsConfig(p).getBoolean(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG))
        .isTrue();
  }

  @Test
  void shouldLetTheClientConfigurationChooseOtherwise() {
    Properties p =
        Monitor.streamsProperties(
            MonitorOptions.of("localhost:1")
                .withClientProperties(
                    Map.of(
                        "enable.transactional.statestores", "false",
                        "metric.reporters", "org.apache.kafka.common.metrics.JmxReporter")));

    assertThat(p.get(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG)).isEqualTo("false");
    assertThat(p.get(StreamsConfig.METRIC_REPORTER_CLASSES_CONFIG))
        .isEqualTo("org.apache.kafka.common.metrics.JmxReporter");
  }

  @Test
  void shouldGiveEveryStoreMemtablesOfTheBoundedSize() {
    try (Options options = new Options()) {
      new CrashSafeRocksDb().setConfig("run-state", options, Map.of());

      assertThat(options.writeBufferSize()).isEqualTo(CrashSafeRocksDb.MEMTABLE_BYTES);
      assertThat(options.arenaBlockSize()).isEqualTo(CrashSafeRocksDb.MEMTABLE_BYTES / 8);
    }
  }
}
