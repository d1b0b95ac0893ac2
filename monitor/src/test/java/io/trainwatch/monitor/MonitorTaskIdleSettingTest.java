package io.trainwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.streams.MonitorTopology;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/**
 * The monitor turns task idling off ({@code max.task.idle.ms=-1}): sound only while every task
 * reads a single partition, i.e. every sub-topology has one source topic. A join or a merge of two
 * topics added later fails here, and must decide again whether its task should wait for its other
 * partitions.
 */
class MonitorTaskIdleSettingTest {

  @Test
  void shouldNotIdleTasks() {
    Properties p = Monitor.streamsProperties(MonitorOptions.of("localhost:1"));

    assertThat(p.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG))
        .isEqualTo(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
  }

  @Test
  void shouldReadOneTopicPerSubTopology() {
    TopologyDescription d = MonitorTopology.build(MonitorConfig.defaults()).describe();

    assertThat(d.subtopologies()).hasSizeGreaterThan(1);
    for (TopologyDescription.Subtopology s : d.subtopologies()) {
      long topics =
          s.nodes().stream()
              .filter(TopologyDescription.Source.class::isInstance)
              .mapToLong(n -> ((TopologyDescription.Source) n).topicSet().size())
              .sum();
      assertThat(topics).as("source topics of sub-topology %s", s.id()).isEqualTo(1);
    }
  }
}
