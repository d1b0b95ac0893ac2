package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaCluster;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.trainer.KafkaEventPublisher;
import io.trainwatch.trainer.KafkaPublisherSettings;
import io.trainwatch.trainer.PublisherStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.streams.KafkaStreams;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 9: a 3-broker cluster (replication factor 3, {@code min.insync.replicas=2}) loses the
 * broker that leads every {@code trainwatch.events} partition while trainers publish through the
 * real {@link KafkaEventPublisher} ({@code acks=all}, idempotent) and the monitor processes; in the
 * second scenario a monitor instance is killed (SIGKILL) at the same instant. Every published event
 * is delivered once and processed, every expected alert is seen exactly once by {@code
 * read_committed}, nothing is dead-lettered, and processing resumes. The leader election and the
 * resume are timed and printed, never asserted.
 */
class ReplicatedClusterIT {

  private static final int PARTITIONS = 3;

  /** The broker that leads every events partition (the first replica is the preferred leader). */
  private static final int EVENTS_LEADER = 1;

  private static final int TRAINERS = 3;
  private static final int RUNS = 24;
  private static final int STEPS = 120;
  private static final int KILL_AT_STEP = 30;

  /** Between two steps of every trainer: the stream outlasts the election (about 10 s). */
  private static final long STEP_MS = 120;

  private static final Map<String, String> REPLICATION =
      Map.of(
          "monitor.topics.replication_factor",
          "3",
          "monitor.topics.min_insync_replicas",
          "2",
          "monitor.topics.events_partitions",
          String.valueOf(PARTITIONS),
          "monitor.topics.alerts_partitions",
          String.valueOf(PARTITIONS));

  @Test
  void shouldLoseNothingWhenTheEventsLeaderDies(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaCluster cluster =
        EmbeddedKafkaCluster.start(EmbeddedKafkaCluster.Options.defaults())) {
      createEventsTopic(cluster);
      String app = "replicated-monitor";
      Monitor monitor = Monitor.start(monitorOptions(cluster, app, tmp.resolve("state")));
      try {
        assertReplicated(cluster, app);
        AlertScenario scenario = new AlertScenario("repl", RUNS, STEPS, 10, 3);
        Outcome o = runAndKill(cluster, app, scenario, () -> {});
        print("leader killed", o, scenario);
        assertThat(monitor.state()).isEqualTo(KafkaStreams.State.RUNNING);
        o.assertNothingLostOrRepeated(scenario);
      } finally {
        monitor.close();
      }
    }
  }

  @Test
  void shouldLoseNothingWhenTheEventsLeaderAndAMonitorDieTogether(@TempDir Path tmp)
      throws Exception {
    try (EmbeddedKafkaCluster cluster =
        EmbeddedKafkaCluster.start(EmbeddedKafkaCluster.Options.defaults())) {
      createEventsTopic(cluster);
      String app = "replicated-pair";
      Monitor survivor = Monitor.start(monitorOptions(cluster, app, tmp.resolve("a")));
      Path config = tmp.resolve("monitor.properties");
      Files.writeString(config, properties(REPLICATION));
      ChildJvm victim =
          MonitorProcess.start(
              "monitor-b",
              cluster.bootstrapServers(),
              app,
              tmp.resolve("b"),
              config,
              null,
              ChildJvm.logDir("replicated-cluster").resolve("monitor-b.log"));
      try {
        Map<String, Set<Integer>> members = awaitMembers(cluster, app, 2);
        assertThat(members.values()).allSatisfy(p -> assertThat(p).isNotEmpty());
        AlertScenario scenario = new AlertScenario("pair", RUNS, STEPS, 10, 3);
        Outcome o = runAndKill(cluster, app, scenario, victim::kill);
        print("leader and monitor-b killed together", o, scenario);
        System.out.printf(
            Locale.ROOT,
            "replicated: partitions per instance before the kill %s; after: %s%n",
            members.values(),
            awaitMembers(cluster, app, 1).values());
        assertThat(victim.isAlive()).isFalse();
        assertThat(survivor.state()).isEqualTo(KafkaStreams.State.RUNNING);
        o.assertNothingLostOrRepeated(scenario);
      } finally {
        victim.close();
        survivor.close();
      }
    }
  }

  /** What a scenario measured and saw. */
  private record Outcome(
      long lagAtKill,
      long electionMs,
      long resumeMs,
      long maxPendingDuringOutage,
      List<PublisherStats> trainers,
      long eventsInTopic,
      Map<String, Long> eventCopies,
      List<Alert> alerts,
      long deadLetters) {

    long published() {
      return trainers.stream().mapToLong(PublisherStats::published).sum();
    }

    void assertNothingLostOrRepeated(AlertScenario scenario) {
      assertThat(trainers)
          .as("every trainer's events, each delivered (none dropped, none failed)")
          .allSatisfy(
              s -> {
                assertThat(s.delivered()).isEqualTo(s.published());
                assertThat(s.dropped()).isZero();
                assertThat(s.failed()).isZero();
              });
      assertThat(published()).isEqualTo((long) RUNS * (STEPS + 2));
      assertThat(eventsInTopic).as("records in trainwatch.events").isEqualTo(published());
      assertThat(eventCopies.entrySet().stream().filter(e -> e.getValue() != 1))
          .as("events written more than once")
          .isEmpty();
      assertThat(deadLetters).as("events dead-lettered (a repeat would be)").isZero();
      scenario.assertExactlyOnce(alerts);
    }
  }

  /**
   * Trainers publish the scenario step by step; when every trainer has reached {@link
   * #KILL_AT_STEP}, the events leader is killed (and {@code alsoKill} run at the same instant).
   * Then measures the election and the resume, waits for the monitor to catch up and reads
   * everything back.
   */
  private Outcome runAndKill(
      EmbeddedKafkaCluster cluster, String app, AlertScenario scenario, Runnable alsoKill)
      throws Exception {
    List<List<String>> runsByTrainer = new ArrayList<>();
    for (int t = 0; t < TRAINERS; t++) {
      runsByTrainer.add(new ArrayList<>());
    }
    List<String> ids = scenario.runIds();
    for (int i = 0; i < ids.size(); i++) {
      runsByTrainer.get(i % TRAINERS).add(ids.get(i));
    }
    CountDownLatch startsSent = new CountDownLatch(TRAINERS);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch atKillStep = new CountDownLatch(TRAINERS);
    List<KafkaEventPublisher> publishers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (List<String> runs : runsByTrainer) {
      KafkaEventPublisher publisher =
          new KafkaEventPublisher(KafkaPublisherSettings.defaults(cluster.bootstrapServers()));
      publishers.add(publisher);
      Thread t =
          new Thread(
              () -> train(publisher, scenario, Set.copyOf(runs), startsSent, go, atKillStep));
      t.setName("trainer-" + threads.size());
      threads.add(t);
      t.start();
    }
    try (Admin admin = Admin.create(cluster.adminClientConfig())) {
      // The monitor is warm (it has processed every run_started) before the batches flow.
      assertThat(startsSent.await(120, TimeUnit.SECONDS)).as("trainers started").isTrue();
      awaitCaughtUp(admin, app);
      go.countDown();
      assertThat(atKillStep.await(120, TimeUnit.SECONDS)).as("trainers reached the kill").isTrue();
      Map<TopicPartition, Long> endsAtKill = endOffsets(admin);
      long lagAtKill = lag(admin, app, endsAtKill);
      long killed = System.nanoTime();
      alsoKill.run();
      cluster.kill(EVENTS_LEADER);
      long electionMs = -1;
      long resumeMs = -1;
      AtomicLong maxPending = new AtomicLong();
      long deadline = killed + Duration.ofSeconds(180).toNanos();
      while ((electionMs < 0 || resumeMs < 0) && System.nanoTime() < deadline) {
        long pending = publishers.stream().mapToLong(p -> p.stats().pending()).sum();
        if (electionMs < 0) {
          maxPending.accumulateAndGet(pending, Math::max);
          if (leadersElected(admin)) {
            electionMs = (System.nanoTime() - killed) / 1_000_000;
          }
        }
        if (resumeMs < 0 && processedBeyond(admin, app, endsAtKill)) {
          resumeMs = (System.nanoTime() - killed) / 1_000_000;
        }
        Thread.sleep(100);
      }
      assertThat(electionMs).as("new leaders of the events partitions").isNotNegative();
      assertThat(resumeMs)
          .as("monitor processing events written after the kill, on every partition")
          .isNotNegative();
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(180));
        assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
      }
      List<PublisherStats> stats = new ArrayList<>();
      for (KafkaEventPublisher p : publishers) {
        p.flush(Duration.ofSeconds(60));
        stats.add(p.stats());
        p.close();
      }
      awaitCaughtUp(admin, app);
      List<ConsumerRecord<byte[], byte[]>> events =
          KafkaFixtures.readAll(
              cluster.adminClientConfig(),
              Topics.EVENTS,
              r -> r.size() >= RUNS * (STEPS + 2),
              Duration.ofSeconds(1),
              Duration.ofSeconds(60));
      Map<String, Long> copies =
          events.stream()
              .map(r -> eventKey(EventCodec.decode(r.value())))
              .collect(Collectors.groupingBy(k -> k, TreeMap::new, Collectors.counting()));
      Map<String, AlertStatus> expected = scenario.expectedEmissions();
      List<Alert> alerts =
          scenario.readAlerts(
              cluster.adminClientConfig(), Duration.ofSeconds(2), Duration.ofSeconds(60));
      long deadLetters =
          KafkaFixtures.readAll(
                  cluster.adminClientConfig(),
                  Topics.EVENTS_DLQ,
                  r -> true,
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(10))
              .size();
      return new Outcome(
          lagAtKill,
          electionMs,
          resumeMs,
          maxPending.get(),
          stats,
          events.size(),
          copies,
          alerts,
          deadLetters);
    } finally {
      for (KafkaEventPublisher p : publishers) {
        p.close();
      }
    }
  }

  /** One trainer: its runs' events, step by step, through the real publisher. */
  private static void train(
      KafkaEventPublisher publisher,
      AlertScenario scenario,
      Set<String> runs,
      CountDownLatch startsSent,
      CountDownLatch go,
      CountDownLatch atKillStep) {
    publishAll(publisher, scenario.starts(), runs);
    publisher.flush(Duration.ofSeconds(60));
    startsSent.countDown();
    try {
      if (!go.await(180, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    for (int step = 0; step < scenario.steps(); step++) {
      if (step == KILL_AT_STEP) {
        atKillStep.countDown();
      }
      publishAll(publisher, scenario.batchesAt(step), runs);
      ChildJvm.sleep(STEP_MS);
    }
    publishAll(publisher, scenario.ends(), runs);
  }

  private static void publishAll(
      KafkaEventPublisher publisher, List<TrainingEvent> events, Set<String> runs) {
    for (TrainingEvent e : events) {
      if (runs.contains(e.runId())) {
        publisher.publish(e);
      }
    }
  }

  /** An event's identity: run, type and step (a repeat has the same). */
  private static String eventKey(TrainingEvent e) {
    return e.runId()
        + "/"
        + e.getClass().getSimpleName()
        + "/"
        + (e instanceof io.trainwatch.schemas.BatchEvent b ? b.step() : -1);
  }

  private static void print(String what, Outcome o, AlertScenario scenario) {
    System.out.printf(
        Locale.ROOT,
        "replicated (%s): broker %d led every events partition; monitor %d events behind at the"
            + " kill; new leaders %d ms after the kill,"
            + " the monitor processing events written after the kill on every partition %d ms after"
            + " it; up to %d events waiting in the trainers meanwhile; %d events published, %d"
            + " delivered, %d dropped, %d failed, %d in the topic (%d distinct); %d dead letters; %d"
            + " alert emissions expected, %d seen by read_committed%n",
        what,
        EVENTS_LEADER,
        o.lagAtKill(),
        o.electionMs(),
        o.resumeMs(),
        o.maxPendingDuringOutage(),
        o.published(),
        o.trainers().stream().mapToLong(PublisherStats::delivered).sum(),
        o.trainers().stream().mapToLong(PublisherStats::dropped).sum(),
        o.trainers().stream().mapToLong(PublisherStats::failed).sum(),
        o.eventsInTopic(),
        o.eventCopies().size(),
        o.deadLetters(),
        scenario.expectedEmissions().size(),
        o.alerts().size());
  }

  /** Every events partition led by {@link #EVENTS_LEADER}, the other two brokers following. */
  private static void createEventsTopic(EmbeddedKafkaCluster cluster) {
    Map<Integer, List<Integer>> assignment = new TreeMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      assignment.put(p, p % 2 == 0 ? List.of(EVENTS_LEADER, 2, 3) : List.of(EVENTS_LEADER, 3, 2));
    }
    cluster.createTopic(Topics.EVENTS, assignment, Map.of("min.insync.replicas", "2"));
    assertThat(cluster.describe(Topics.EVENTS).values())
        .allSatisfy(p -> assertThat(p.leader().id()).isEqualTo(EVENTS_LEADER));
  }

  private static MonitorOptions monitorOptions(EmbeddedKafkaCluster cluster, String app, Path dir) {
    return MonitorOptions.of(cluster.bootstrapServers())
        .withApplicationId(app)
        .withStateDir(dir)
        .withConfig(MonitorConfig.parse(REPLICATION));
  }

  /**
   * The topics the monitor created (alerts, dead letters) and Kafka Streams' changelog have 3
   * replicas and {@code min.insync.replicas=2}: from the monitor's configuration.
   */
  private static void assertReplicated(EmbeddedKafkaCluster cluster, String app) throws Exception {
    try (Admin admin = Admin.create(cluster.adminClientConfig())) {
      Set<String> changelogs =
          admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
              .filter(n -> n.startsWith(app + "-") && n.endsWith("-changelog"))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(changelogs).isNotEmpty();
      List<String> topics = new ArrayList<>(List.of(Topics.ALERTS, Topics.EVENTS_DLQ));
      topics.addAll(changelogs);
      Map<String, TopicDescription> described =
          admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
      assertThat(described.values())
          .allSatisfy(
              d ->
                  assertThat(d.partitions())
                      .as(d.name())
                      .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
      List<ConfigResource> resources =
          topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
      Map<ConfigResource, Config> configs =
          admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      assertThat(configs)
          .allSatisfy(
              (r, c) ->
                  assertThat(c.get("min.insync.replicas").value()).as(r.name()).isEqualTo("2"));
    }
  }

  private static boolean leadersElected(Admin admin) {
    try {
      TopicDescription d =
          admin
              .describeTopics(List.of(Topics.EVENTS))
              .allTopicNames()
              .get(5, TimeUnit.SECONDS)
              .get(Topics.EVENTS);
      return d.partitions().stream()
          .map(TopicPartitionInfo::leader)
          .allMatch(l -> l != null && !l.isEmpty() && l.id() != EVENTS_LEADER);
    } catch (Exception e) {
      return false;
    }
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      latest.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest());
    }
    Map<TopicPartition, Long> out = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
    admin
        .listOffsets(latest)
        .all()
        .get(30, TimeUnit.SECONDS)
        .forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  /** Events written but not yet processed (committed) by the application, over all partitions. */
  private static long lag(Admin admin, String app, Map<TopicPartition, Long> ends)
      throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(app)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    return ends.entrySet().stream()
        .mapToLong(
            e -> {
              OffsetAndMetadata c = committed.get(e.getKey());
              return e.getValue() - (c == null ? 0 : c.offset());
            })
        .sum();
  }

  /** Whether the application's committed offset is beyond {@code ends} on every partition. */
  private static boolean processedBeyond(Admin admin, String app, Map<TopicPartition, Long> ends) {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(app)
              .partitionsToOffsetAndMetadata()
              .get(5, TimeUnit.SECONDS);
      return ends.entrySet().stream()
          .allMatch(
              e -> {
                OffsetAndMetadata c = committed.get(e.getKey());
                return c != null && c.offset() > e.getValue();
              });
    } catch (Exception e) {
      return false; // the group coordinator moves too
    }
  }

  private static void awaitCaughtUp(Admin admin, String app) {
    Awaitility.await("the monitor processed every event")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              Map<TopicPartition, Long> ends = endOffsets(admin);
              Map<TopicPartition, OffsetAndMetadata> committed =
                  admin
                      .listConsumerGroupOffsets(app)
                      .partitionsToOffsetAndMetadata()
                      .get(5, TimeUnit.SECONDS);
              return ends.entrySet().stream()
                  .allMatch(
                      e -> {
                        OffsetAndMetadata c = committed.get(e.getKey());
                        return c != null && c.offset() >= e.getValue();
                      });
            });
  }

  /** Member id to its events partitions, once the group has {@code members} members. */
  private static Map<String, Set<Integer>> awaitMembers(
      EmbeddedKafkaCluster cluster, String app, int members) {
    try (Admin admin = Admin.create(cluster.adminClientConfig())) {
      Map<String, Set<Integer>> out = new TreeMap<>();
      Awaitility.await("group " + app + " with " + members + " member(s)")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () -> {
                ConsumerGroupDescription g =
                    admin
                        .describeConsumerGroups(List.of(app))
                        .all()
                        .get(5, TimeUnit.SECONDS)
                        .get(app);
                out.clear();
                g.members()
                    .forEach(
                        m ->
                            out.put(
                                m.consumerId(),
                                m.assignment().topicPartitions().stream()
                                    .filter(tp -> tp.topic().equals(Topics.EVENTS))
                                    .map(TopicPartition::partition)
                                    .collect(Collectors.toCollection(TreeSet::new))));
                return out.size() == members
                    && out.values().stream().mapToInt(Set::size).sum() == PARTITIONS;
              });
      return out;
    }
  }

  private static String properties(Map<String, String> entries) {
    return entries.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n", "", "\n"));
  }
}
