package io.trainwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.config.MonitorConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The replication settings reach Kafka Streams' own topics (changelogs, repartition topics). */
class MonitorReplicationSettingsTest {

  @Test
  void shouldGiveTheInternalTopicsTheConfiguredReplication() {
    MonitorConfig c =
        MonitorConfig.parse(
            Map.of(
                "monitor.topics.replication_factor", "3",
                "monitor.topics.min_insync_replicas", "2"));

    Properties p = Monitor.streamsProperties(MonitorOptions.of("localhost:1").withConfig(c));

    assertThat(p.get(StreamsConfig.REPLICATION_FACTOR_CONFIG)).isEqualTo(3);
    assertThat(p.get(StreamsConfig.topicPrefix("min.insync.replicas"))).isEqualTo("2");
  }

  @Test
  void shouldLeaveMinInsyncReplicasToTheBrokerByDefault() {
    Properties p = Monitor.streamsProperties(MonitorOptions.of("localhost:1"));

    assertThat(p.get(StreamsConfig.REPLICATION_FACTOR_CONFIG)).isEqualTo(1);
    assertThat(p).doesNotContainKey(StreamsConfig.topicPrefix("min.insync.replicas"));
  }
}
