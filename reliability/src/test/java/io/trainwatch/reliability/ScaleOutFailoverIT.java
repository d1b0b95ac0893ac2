package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 2: two monitor instances with one application id split the partitions of {@code
 * trainwatch.events}; when one stops, the other takes over its runs with their state: an alert that
 * was pending (its condition held for fewer batches than {@code for_batches}) on the stopped
 * instance fires on the survivor, and an alert that had already fired is not fired again.
 */
class ScaleOutFailoverIT {

  private static final String APP_ID = "failover-monitor";
  private static final int PARTITIONS = 4;

  @Test
  void shouldMoveRunsWithTheirStateToTheSurvivor(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      broker.createTopic(Topics.EVENTS, PARTITIONS);
      broker.createTopic(Topics.ALERTS, PARTITIONS);
      broker.createTopic(Topics.EVENTS_DLQ, 1);
      Map<String, Object> client = broker.adminClientConfig();
      // for_batches = 4: three bad batches leave the alert pending, the fourth fires it.
      AlertScenario scenario = new AlertScenario("failover", 48, 30, 10, 4);
      List<String> negativeRuns =
          scenario.runIds().stream()
              .filter(id -> scenario.pattern(id) == AlertScenario.Pattern.NEGATIVE_LOSS)
              .toList();
      // Half the negative-loss runs reach their firing step before the failover, half stay pending.
      Set<String> firedEarly = new HashSet<>(negativeRuns.subList(0, negativeRuns.size() / 2));
      // Whichever instance stops, some of its runs have a pending alert: the pending runs cover
      // every partition.
      assertThat(
              negativeRuns.stream()
                  .filter(id -> !firedEarly.contains(id))
                  .map(ScaleOutFailoverIT::partitionOf)
                  .collect(Collectors.toSet()))
          .as("partitions of the runs with a pending alert")
          .hasSize(PARTITIONS);

      Monitor a = Monitor.start(options(broker, tmp.resolve("a")));
      Monitor b = Monitor.start(options(broker, tmp.resolve("b")));
      Map<String, Set<Integer>> assignment;
      try {
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.starts());
        KafkaFixtures.produceEvents(
            client, Topics.EVENTS, scenario.batches(0, 13)); // 3 bad batches: pending
        for (String id : firedEarly) {
          KafkaFixtures.produceEvents(
              client, Topics.EVENTS, List.of(scenario.batch(id, 13))); // 4th: fires
        }
        awaitCaughtUp(broker, Duration.ofSeconds(60));
        assignment = assignment(broker);
        assertThat(assignment)
            .as("members of %s and their partitions", APP_ID)
            .hasSize(2)
            .allSatisfy((member, partitions) -> assertThat(partitions).isNotEmpty());
      } finally {
        a.close();
      }
      // The runs that lived on the stopped instance: those of the member that left the group.
      Set<Integer> stoppedPartitions = new HashSet<>();
      try {
        awaitMembers(broker, 1, Duration.ofSeconds(60));
        Set<String> remaining = assignment(broker).keySet();
        assignment.forEach(
            (member, partitions) -> {
              if (!remaining.contains(member)) {
                stoppedPartitions.addAll(partitions);
              }
            });
        assertThat(stoppedPartitions).as("partitions of the stopped instance").isNotEmpty();
        KafkaFixtures.produceEvents(
            client,
            Topics.EVENTS,
            scenario.batches(13, 14).stream()
                .filter(e -> !firedEarly.contains(e.runId()))
                .toList());
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.batches(14, scenario.steps()));
        KafkaFixtures.produceEvents(client, Topics.EVENTS, scenario.ends());
        awaitCaughtUp(broker, Duration.ofSeconds(60));
      } finally {
        b.close();
      }

      Map<String, AlertStatus> expected = scenario.expectedEmissions();
      List<Alert> alerts =
          scenario.readAlerts(client, Duration.ofSeconds(2), Duration.ofSeconds(30));
      long pendingMoved =
          negativeRuns.stream()
              .filter(id -> !firedEarly.contains(id))
              .filter(id -> stoppedPartitions.contains(partitionOf(id)))
              .count();
      System.out.printf(
          "failover: partitions per instance before the stop %s, the stopped one had %s; %d "
              + "negative-loss runs pending there fired on the survivor at step %d; %d emissions expected, %d seen%n",
          assignment.values(),
          stoppedPartitions,
          pendingMoved,
          scenario.negativeFiringStep(),
          expected.size(),
          alerts.size());

      assertThat(pendingMoved).as("pending alerts that had to move to the survivor").isPositive();
      scenario.assertExactlyOnce(alerts);
    }
  }

  private static MonitorOptions options(EmbeddedKafkaBroker broker, Path stateDir) {
    return MonitorOptions.of(broker.bootstrapServers())
        .withApplicationId(APP_ID)
        .withStateDir(stateDir);
  }

  /** The partition the default partitioner gives a run's events (murmur2 of the key). */
  private static int partitionOf(String runId) {
    return Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
  }

  /** Member id to the {@code trainwatch.events} partitions assigned to it. */
  private static Map<String, Set<Integer>> assignment(EmbeddedKafkaBroker broker) throws Exception {
    try (Admin admin = Admin.create(broker.adminClientConfig())) {
      ConsumerGroupDescription group =
          admin.describeConsumerGroups(List.of(APP_ID)).all().get(10, TimeUnit.SECONDS).get(APP_ID);
      Map<String, Set<Integer>> out = new TreeMap<>();
      for (MemberDescription m : group.members()) {
        out.put(
            m.consumerId(),
            m.assignment().topicPartitions().stream()
                .filter(tp -> tp.topic().equals(Topics.EVENTS))
                .map(TopicPartition::partition)
                .collect(Collectors.toCollection(TreeSet::new)));
      }
      return out;
    }
  }

  private static void awaitMembers(EmbeddedKafkaBroker broker, int members, Duration timeout)
      throws Exception {
    try {
      await()
          .atMost(timeout)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                Map<String, Set<Integer>> a = assignment(broker);
                return a.size() == members
                    && a.values().stream().mapToInt(Set::size).sum() == PARTITIONS;
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "group "
              + APP_ID
              + " did not settle on "
              + members
              + " member(s): "
              + assignment(broker));
    }
  }

  /** Waits until the application's committed offsets reach the end of every events partition. */
  private static void awaitCaughtUp(EmbeddedKafkaBroker broker, Duration timeout) throws Exception {
    try (Admin admin = Admin.create(broker.adminClientConfig())) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < PARTITIONS; p++) {
        latest.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest());
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
      await(APP_ID + " processed every event")
          .atMost(timeout)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                Map<TopicPartition, OffsetAndMetadata> committed =
                    admin
                        .listConsumerGroupOffsets(APP_ID)
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
                return ends.entrySet().stream()
                    .allMatch(
                        e -> {
                          OffsetAndMetadata c = committed.get(e.getKey());
                          return e.getValue().offset() == 0
                              || c != null && c.offset() >= e.getValue().offset();
                        });
              });
    }
  }
}
