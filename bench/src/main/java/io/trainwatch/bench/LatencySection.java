package io.trainwatch.bench;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Items 2 and 5 (latency): a fresh broker, the monitor started and settled, then {@link
 * LatencyBench}.
 */
public final class LatencySection {

  private static final Logger LOG = LoggerFactory.getLogger(LatencySection.class);

  private LatencySection() {}

  /** Runs the latency test against {@code monitor} on a broker of its own. */
  public static LatencyBench.Result run(
      StreamsApp monitor, int partitions, LatencyBench.Settings settings) {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      ThroughputSection.createTopics(broker, partitions);
      return runOn(broker.bootstrapServers(), monitor, settings);
    }
  }

  /**
   * As {@link #run}, on a broker whose topics exist and may hold earlier events: a fresh monitor
   * starts at the end of {@code trainwatch.events} ({@code auto.offset.reset=latest}), so it
   * measures only this test's load.
   */
  static LatencyBench.Result runOn(
      String bootstrap, StreamsApp monitor, LatencyBench.Settings settings) {
    String applicationId = CatchUp.newApplicationId();
    java.nio.file.Path stateDir = CatchUp.tempDir();
    Map<String, Object> overrides =
        Map.of(
            StreamsConfig.NUM_STREAM_THREADS_CONFIG,
            1,
            StreamsConfig.mainConsumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG),
            "latest");
    try (StreamsApp.Running running =
        monitor.start(bootstrap, applicationId, stateDir, overrides)) {
      awaitStableGroup(bootstrap, applicationId, Duration.ofSeconds(60));
      LOG.info(
          "latency: {} background runs at {} events/s, {} of {} s",
          settings.backgroundRuns(),
          Markdown.count(settings.eventsPerSecond()),
          settings.windows() + " window(s)",
          settings.window().toSeconds());
      return LatencyBench.run(bootstrap, settings);
    } finally {
      CatchUp.deleteRecursively(stateDir);
    }
  }

  /** Waits until the application's consumer group has its partitions assigned. */
  static void awaitStableGroup(String bootstrap, String groupId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (TopicProbe probe = new TopicProbe(bootstrap)) {
      while (true) {
        ConsumerGroupDescription group =
            TopicProbe.get(probe.admin().describeConsumerGroups(java.util.List.of(groupId)).all())
                .get(groupId);
        if (group.groupState() == GroupState.STABLE
            && group.members().stream()
                .anyMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              groupId
                  + " did not become stable within "
                  + timeout.toSeconds()
                  + " s (state "
                  + group.groupState()
                  + ")");
        }
        CatchUp.sleep(Duration.ofMillis(100));
      }
    }
  }
}
