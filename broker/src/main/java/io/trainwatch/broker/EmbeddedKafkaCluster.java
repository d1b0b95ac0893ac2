package io.trainwatch.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replicated Kafka cluster started in-process: one KRaft controller and several brokers (three by
 * default), each a real {@link KafkaRaftServer} with its own port and log directory. For the tests
 * of what happens when a broker dies under load.
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(EmbeddedKafkaCluster.Options.defaults())) {
 *   cluster.createTopic("t", 3, Map.of());            // replication factor 3, min.insync.replicas 2
 *   int leader = cluster.leaderOf("t", 0).orElseThrow();
 *   cluster.kill(leader);                              // as a crash looks to the cluster
 *   cluster.restart(leader);                           // same port, same data
 * }
 * }</pre>
 *
 * <p>The controller runs on a node of its own (not combined with a broker), so that losing a broker
 * is exactly that: the controller quorum is never involved. Internal topics ({@code
 * __consumer_offsets}, {@code __transaction_state}) are replicated like the application's, with
 * {@code min.insync.replicas} 2 of 3 by default, so losing any one broker loses no acknowledged
 * write and refuses none.
 *
 * <p><b>What {@link #kill} is.</b> Every broker runs with {@code controlled.shutdown.enable=false}:
 * stopping one hands nothing over. Its connections close (as the kernel closes those of a killed
 * process), it stops heartbeating, and the controller fences it and elects new partition leaders
 * only when {@code broker.session.timeout.ms} (Kafka's default 9 s) has passed without a heartbeat:
 * the same sequence as after {@code kill -9}. What differs from a real crash is only that the
 * broker flushes its log and marks it clean on the way down, so a {@link #restart} skips log
 * recovery.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);

  /** Node id of the controller; brokers are 1 .. {@code brokers}. */
  public static final int CONTROLLER_ID = 100;

  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How to start the cluster.
   *
   * @param brokers number of brokers (1 to 9)
   * @param replicationFactor replication factor of the internal topics and the default of new
   *     topics (at most {@code brokers})
   * @param minInsyncReplicas {@code min.insync.replicas} of the internal topics and the cluster's
   *     default (at most {@code replicationFactor})
   * @param extraProperties broker settings added last (they win), e.g. {@code
   *     broker.session.timeout.ms}
   */
  public record Options(
      int brokers,
      int replicationFactor,
      int minInsyncReplicas,
      Map<String, String> extraProperties) {

    public Options {
      if (brokers < 1 || brokers > 9) {
        throw new IllegalArgumentException("brokers=" + brokers + ": must be in 1..9");
      }
      if (replicationFactor < 1 || replicationFactor > brokers) {
        throw new IllegalArgumentException(
            "replicationFactor=" + replicationFactor + ": must be in 1.." + brokers);
      }
      if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
        throw new IllegalArgumentException(
            "minInsyncReplicas=" + minInsyncReplicas + ": must be in 1.." + replicationFactor);
      }
      extraProperties = extraProperties == null ? Map.of() : Map.copyOf(extraProperties);
    }

    /** Three brokers, replication factor 3, {@code min.insync.replicas} 2, Kafka's timeouts. */
    public static Options defaults() {
      return new Options(3, 3, 2, Map.of());
    }

    public Options withExtraProperties(Map<String, String> props) {
      return new Options(brokers, replicationFactor, minInsyncReplicas, props);
    }
  }

  /** One node: its settings, and its server while it runs. */
  private static final class NodeState {
    final int id;
    final Properties properties;
    final Path dir;
    volatile KafkaRaftServer server;

    NodeState(int id, Properties properties, Path dir) {
      this.id = id;
      this.properties = properties;
      this.dir = dir;
    }
  }

  private final Options options;
  private final Path root;
  private final NodeState controller;
  private final Map<Integer, NodeState> brokers;
  private final Map<Integer, Integer> ports;
  private boolean closed;

  private EmbeddedKafkaCluster(
      Options options, Path root, NodeState controller, Map<Integer, NodeState> brokers) {
    this.options = options;
    this.root = root;
    this.controller = controller;
    this.brokers = brokers;
    Map<Integer, Integer> p = new TreeMap<>();
    brokers.forEach((id, b) -> p.put(id, port(b.properties)));
    this.ports = java.util.Collections.unmodifiableMap(p);
  }

  /**
   * Formats every node's directory (one cluster id) and starts the controller, then the brokers;
   * returns once every broker accepts clients.
   *
   * @throws IllegalStateException if a node cannot start
   */
  public static EmbeddedKafkaCluster start(Options options) {
    EmbeddedKafkaBroker.protectJvmFromBrokerExit();
    Path root;
    try {
      root = Files.createTempDirectory("trainwatch-kafka-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the cluster's data directory", e);
    }
    String clusterId = Uuid.randomUuid().toString();
    int controllerPort = EmbeddedKafkaBroker.freePort();
    String voters = CONTROLLER_ID + "@localhost:" + controllerPort;
    NodeState controller =
        new NodeState(
            CONTROLLER_ID,
            controllerProperties(root.resolve("controller"), controllerPort, voters, options),
            root.resolve("controller"));
    Map<Integer, NodeState> brokers = new TreeMap<>();
    for (int id = 1; id <= options.brokers(); id++) {
      Path dir = root.resolve("broker-" + id);
      brokers.put(
          id,
          new NodeState(
              id, brokerProperties(id, dir, EmbeddedKafkaBroker.freePort(), voters, options), dir));
    }
    EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(options, root, controller, brokers);
    long begin = System.nanoTime();
    try {
      cluster.startNode(controller, clusterId);
      // In parallel: each waits a few heartbeats for the controller to unfence it.
      ExecutorService starter = Executors.newFixedThreadPool(brokers.size());
      try {
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (NodeState b : brokers.values()) {
          starts.add(CompletableFuture.runAsync(() -> cluster.startNode(b, clusterId), starter));
        }
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
      } finally {
        starter.shutdown();
      }
    } catch (CompletionException e) {
      cluster.close();
      throw e.getCause() instanceof RuntimeException r ? r : e;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    LOG.info(
        "Kafka cluster ready in {} ms: brokers {} at {}, controller {} on port {}",
        Duration.ofNanos(System.nanoTime() - begin).toMillis(),
        brokers.keySet(),
        cluster.bootstrapServers(),
        CONTROLLER_ID,
        controllerPort);
    return cluster;
  }

  /** Every broker's address, dead or alive: {@code localhost:P1,localhost:P2,localhost:P3}. */
  public String bootstrapServers() {
    return ports.values().stream().map(p -> "localhost:" + p).collect(Collectors.joining(","));
  }

  /** The broker ids, 1 .. {@code brokers}. */
  public List<Integer> brokerIds() {
    return List.copyOf(brokers.keySet());
  }

  /** The client port of a broker. */
  public int port(int brokerId) {
    return ports.get(broker(brokerId).id);
  }

  /** Whether a broker runs (it was not killed, or was restarted since). */
  public synchronized boolean isRunning(int brokerId) {
    return broker(brokerId).server != null;
  }

  /** The options the cluster was started with. */
  public Options options() {
    return options;
  }

  /** Client settings of the cluster: {@code bootstrap.servers} with every broker. */
  public Map<String, Object> adminClientConfig() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return config;
  }

  /**
   * Creates a topic with the cluster's replication factor, ignoring it if it exists.
   *
   * @param configs topic settings, e.g. {@code min.insync.replicas} (the cluster's default
   *     otherwise)
   */
  public void createTopic(String name, int partitions, Map<String, String> configs) {
    create(new NewTopic(name, partitions, (short) options.replicationFactor()).configs(configs));
  }

  /**
   * Creates a topic whose replicas are placed by hand, ignoring it if it exists: partition number
   * to broker ids, the first one the preferred leader. How a test puts every partition's leader on
   * one broker.
   */
  public void createTopic(
      String name, Map<Integer, List<Integer>> assignment, Map<String, String> configs) {
    create(new NewTopic(name, assignment).configs(configs));
  }

  private void create(NewTopic topic) {
    try (Admin admin = Admin.create(adminClientConfig())) {
      admin.createTopics(List.of(topic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e);
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer creating topic " + topic.name(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topic " + topic.name(), e);
    }
  }

  /**
   * The partitions of a topic as the cluster's metadata has them now (leader, replicas, in-sync
   * replicas), by partition number.
   */
  public Map<Integer, TopicPartitionInfo> describe(String topic) {
    try (Admin admin = Admin.create(adminClientConfig())) {
      TopicDescription d =
          admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .get(topic);
      Map<Integer, TopicPartitionInfo> out = new TreeMap<>();
      d.partitions().forEach(p -> out.put(p.partition(), p));
      return out;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing topic " + topic, e);
    }
  }

  /** The broker that leads a partition now, or empty if it has no leader. */
  public OptionalInt leaderOf(String topic, int partition) {
    TopicPartitionInfo p = describe(topic).get(partition);
    if (p == null) {
      throw new IllegalArgumentException(topic + " has no partition " + partition);
    }
    Node leader = p.leader();
    return leader == null || leader.isEmpty() ? OptionalInt.empty() : OptionalInt.of(leader.id());
  }

  /**
   * Stops a broker without a controlled shutdown, as a crash looks to the cluster (see the class
   * comment); returns once it is down. Its partitions get new leaders when the controller fences
   * it, {@code broker.session.timeout.ms} after its last heartbeat. Idempotent.
   */
  public synchronized void kill(int brokerId) {
    NodeState b = broker(brokerId);
    if (b.server == null) {
      return;
    }
    long begin = System.nanoTime();
    stopNode(b);
    LOG.info(
        "Kafka broker {} (port {}) killed in {} ms",
        brokerId,
        port(brokerId),
        Duration.ofNanos(System.nanoTime() - begin).toMillis());
  }

  /**
   * Starts a killed broker again on its port and data directory; returns once it accepts clients.
   * It rejoins the in-sync replicas of its partitions once it has caught up (it is not made leader
   * again here).
   */
  public synchronized void restart(int brokerId) {
    NodeState b = broker(brokerId);
    if (b.server != null) {
      throw new IllegalStateException("broker " + brokerId + " is running");
    }
    startNode(b, null);
  }

  /** Stops every broker, then the controller, and deletes the data. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<RuntimeException> failures = new ArrayList<>();
    for (NodeState b : brokers.values()) {
      try {
        stopNode(b);
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    try {
      stopNode(controller);
    } catch (RuntimeException e) {
      failures.add(e);
    }
    EmbeddedKafkaBroker.deleteRecursively(root);
    if (!failures.isEmpty()) {
      LOG.warn("Kafka cluster closed with errors: {}", failures.get(0).getMessage());
    }
  }

  private NodeState broker(int brokerId) {
    NodeState b = brokers.get(brokerId);
    if (b == null) {
      throw new IllegalArgumentException(
          "no broker " + brokerId + " (brokers: " + brokers.keySet() + ")");
    }
    return b;
  }

  /** Formats the node's directory on its first start ({@code clusterId} non-null), then starts. */
  private void startNode(NodeState node, String clusterId) {
    try {
      Files.createDirectories(node.dir);
      if (clusterId != null) {
        EmbeddedKafkaBroker.format(node.dir, node.id, clusterId, List.of());
      }
      KafkaRaftServer server =
          new KafkaRaftServer(KafkaConfig.fromProps(node.properties, false), Time.SYSTEM);
      node.server = server;
      server.startup();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + node.dir, e);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "Kafka node " + node.id + " failed to start: " + e.getMessage(), e);
    }
  }

  private static void stopNode(NodeState node) {
    KafkaRaftServer server = node.server;
    if (server == null) {
      return;
    }
    node.server = null;
    server.shutdown();
    server.awaitShutdown();
  }

  private static int port(Properties brokerProperties) {
    String listeners = brokerProperties.getProperty("listeners");
    return Integer.parseInt(listeners.substring(listeners.lastIndexOf(':') + 1));
  }

  private static Properties controllerProperties(
      Path dir, int port, String voters, Options options) {
    Properties p = new Properties();
    p.setProperty("process.roles", "controller");
    p.setProperty("node.id", String.valueOf(CONTROLLER_ID));
    p.setProperty("controller.quorum.voters", voters);
    p.setProperty("listeners", "CONTROLLER://localhost:" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", dir.toString());
    clusterDefaults(p, options);
    options.extraProperties().forEach(p::setProperty);
    return p;
  }

  private static Properties brokerProperties(
      int id, Path dir, int port, String voters, Options options) {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker");
    p.setProperty("node.id", String.valueOf(id));
    p.setProperty("controller.quorum.voters", voters);
    p.setProperty("listeners", "PLAINTEXT://localhost:" + port);
    p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("log.dirs", dir.toString());
    // A stop is a crash to the cluster: no leadership handed over (see kill).
    p.setProperty("controlled.shutdown.enable", "false");
    clusterDefaults(p, options);
    // The controller applies it to new topics; Kafka warns when a broker sets it.
    p.remove("default.replication.factor");
    options.extraProperties().forEach(p::setProperty);
    return p;
  }

  /** Settings every node shares: replication of the internal topics, the topic defaults. */
  private static void clusterDefaults(Properties p, Options options) {
    String rf = String.valueOf(options.replicationFactor());
    String minIsr = String.valueOf(options.minInsyncReplicas());
    p.setProperty("offsets.topic.replication.factor", rf);
    p.setProperty("offsets.topic.num.partitions", "6");
    p.setProperty("transaction.state.log.replication.factor", rf);
    p.setProperty("transaction.state.log.min.isr", minIsr);
    p.setProperty("transaction.state.log.num.partitions", "6");
    p.setProperty("share.coordinator.state.topic.replication.factor", rf);
    p.setProperty("share.coordinator.state.topic.min.isr", minIsr);
    p.setProperty("default.replication.factor", rf);
    p.setProperty("min.insync.replicas", minIsr);
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("auto.create.topics.enable", "false");
    // Four servers share the test's JVM and two cores: few threads each.
    p.setProperty("num.network.threads", "2");
    p.setProperty("num.io.threads", "2");
    p.setProperty("background.threads", "2");
    p.setProperty("log.cleaner.threads", "1");
  }
}
