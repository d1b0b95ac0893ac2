package io.trainwatch.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real Kafka broker, started in-process as a single-node KRaft cluster (combined broker and
 * controller).
 *
 * <p>Used by {@code ./trainwatch broker}, {@code ./trainwatch demo} and the integration tests, so
 * that nothing but a JVM is needed to run the whole system on a real broker.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
 *   String bootstrap = broker.bootstrapServers();   // "localhost:PORT"
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final int NODE_ID = 1;

  /**
   * How to start the broker.
   *
   * @param port the client port, or 0 for a free one
   * @param dataDir the log directory, or {@code null} for a temporary one deleted on close
   * @param extraProperties broker settings added last (they win)
   * @param security SASL authentication and ACLs, or {@code null} for a plaintext broker that
   *     trusts everyone
   */
  public record Options(
      int port, Path dataDir, Map<String, String> extraProperties, BrokerSecurity security) {

    public Options {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port=" + port + ": must be in 0..65535");
      }
      extraProperties = extraProperties == null ? Map.of() : Map.copyOf(extraProperties);
    }

    /** Options of a plaintext broker. */
    public Options(int port, Path dataDir, Map<String, String> extraProperties) {
      this(port, dataDir, extraProperties, null);
    }

    /** A free port, a temporary directory, no extra settings, no security. */
    public static Options defaults() {
      return new Options(0, null, Map.of());
    }

    public Options withPort(int newPort) {
      return new Options(newPort, dataDir, extraProperties, security);
    }

    public Options withDataDir(Path dir) {
      return new Options(port, dir, extraProperties, security);
    }

    public Options withExtraProperties(Map<String, String> props) {
      return new Options(port, dataDir, props, security);
    }

    /** Clients must authenticate (and, if enabled, be authorized); see {@link BrokerSecurity}. */
    public Options withSecurity(BrokerSecurity newSecurity) {
      return new Options(port, dataDir, extraProperties, newSecurity);
    }
  }

  private final KafkaRaftServer server;
  private final int port;
  private final Path dataDir;
  private final boolean deleteOnClose;
  private final Properties brokerProperties;
  private final BrokerSecurity security;
  private volatile boolean closed;

  private EmbeddedKafkaBroker(
      KafkaRaftServer server,
      int port,
      Path dataDir,
      boolean deleteOnClose,
      Properties p,
      BrokerSecurity security) {
    this.server = server;
    this.port = port;
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.brokerProperties = p;
    this.security = security;
  }

  /**
   * Formats the data directory if needed and starts the broker; returns once the broker accepts
   * clients.
   *
   * @throws IllegalStateException if the broker cannot start (e.g. the port is taken)
   */
  public static EmbeddedKafkaBroker start(Options options) {
    protectJvmFromBrokerExit();
    boolean temporary = options.dataDir() == null;
    Path dir;
    try {
      dir = temporary ? Files.createTempDirectory("trainwatch-kafka-") : options.dataDir();
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create broker data directory", e);
    }
    int port = options.port() == 0 ? freePort() : options.port();
    int controllerPort = freePort();
    BrokerSecurity security = options.security();
    Properties p = brokerProperties(dir, port, controllerPort);
    if (security != null) {
      security.brokerProperties(port, controllerPort).forEach(p::setProperty);
    }
    options.extraProperties().forEach(p::setProperty);
    KafkaRaftServer server = null;
    try {
      format(
          dir,
          NODE_ID,
          Uuid.randomUuid().toString(),
          security == null ? List.of() : security.formatScramArguments());
      server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
      server.startup();
      EmbeddedKafkaBroker broker =
          new EmbeddedKafkaBroker(server, port, dir, temporary, p, security);
      if (security != null && security.mechanism().isScram()) {
        broker.upsertScramUsers();
      }
      LOG.info(
          "Kafka broker ready at localhost:{} (data in {}{})",
          port,
          dir,
          security == null ? "" : ", " + security);
      return broker;
    } catch (RuntimeException e) {
      if (server != null) {
        server.shutdown();
        server.awaitShutdown();
      }
      if (temporary) {
        deleteRecursively(dir);
      }
      throw new IllegalStateException(
          "Kafka broker failed to start on port " + port + ": " + e.getMessage(), e);
    }
  }

  /** {@code localhost:PORT}. */
  public String bootstrapServers() {
    return "localhost:" + port;
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /**
   * Client settings of the broker's super user: {@code bootstrap.servers} plus, on a secured
   * broker, the SASL settings of {@link BrokerSecurity#ADMIN_USER}. What test fixtures use to
   * create topics and ACLs.
   */
  public Map<String, Object> adminClientConfig() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    if (security != null) {
      config.putAll(security.clientConfig(BrokerSecurity.ADMIN_USER));
    }
    return config;
  }

  /**
   * Client settings of one account of a secured broker: {@code bootstrap.servers}, {@code
   * security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}.
   *
   * @throws IllegalStateException if the broker was started without security
   */
  public Map<String, Object> clientConfig(String user) {
    if (security == null) {
      throw new IllegalStateException(
          "this broker has no accounts: it was started without security");
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.putAll(security.clientConfig(user));
    return config;
  }

  /** The security the broker was started with, if any. */
  public Optional<BrokerSecurity> security() {
    return Optional.ofNullable(security);
  }

  /** The settings the broker was started with (copy). */
  public Properties brokerProperties() {
    Properties copy = new Properties();
    copy.putAll(brokerProperties);
    return copy;
  }

  /** Creates topics with one partition each, ignoring those that exist. */
  public void createTopics(String... names) {
    for (String name : names) {
      createTopic(name, 1);
    }
  }

  /** Creates a topic with the given partitions (replication factor 1), ignoring it if it exists. */
  public void createTopic(String name, int partitions) {
    try (Admin admin = Admin.create(adminClientConfig())) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create topic " + name + ": " + e.getCause().getMessage(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topic " + name, e);
    }
  }

  /** Stops the broker and, if the data directory was temporary, deletes it. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long start = System.nanoTime();
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      if (deleteOnClose) {
        deleteRecursively(dataDir);
      }
    }
    LOG.info(
        "Kafka broker on port {} stopped in {} ms",
        port,
        Duration.ofNanos(System.nanoTime() - start).toMillis());
  }

  private static Properties brokerProperties(Path dir, int port, int controllerPort) {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", String.valueOf(NODE_ID));
    p.setProperty("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
    p.setProperty(
        "listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("log.dirs", dir.toString());
    // One node: every internal topic must live with a single replica, or groups and transactions
    // never work.
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "4");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("transaction.state.log.num.partitions", "4");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("min.insync.replicas", "1");
    p.setProperty("default.replication.factor", "1");
    // Consumer groups form immediately instead of waiting 3 s for more members.
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("auto.create.topics.enable", "false");
    p.setProperty("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
    p.setProperty("num.network.threads", "2");
    p.setProperty("num.io.threads", "4");
    return p;
  }

  /**
   * SCRAM credentials live in the cluster metadata: create (or, after a restart, refresh) the
   * client accounts. The broker's own account was created when the directory was formatted.
   */
  private void upsertScramUsers() {
    if (security.users().isEmpty()) {
      return;
    }
    ScramMechanism mechanism = ScramMechanism.fromMechanismName(security.mechanism().wireName());
    List<UserScramCredentialAlteration> upserts = new ArrayList<>();
    security
        .users()
        .forEach(
            (user, password) ->
                upserts.add(
                    new UserScramCredentialUpsertion(
                        user, new ScramCredentialInfo(mechanism, 4096), password)));
    try (Admin admin = Admin.create(adminClientConfig())) {
      admin.alterUserScramCredentials(upserts).all().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot create SCRAM accounts "
              + new TreeSet<>(security.users().keySet())
              + ": "
              + e.getCause().getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating SCRAM accounts", e);
    }
  }

  /**
   * Formats a KRaft node's directory (its log and metadata log) for cluster {@code clusterId},
   * unless an earlier start did: then the cluster id and the data are kept.
   */
  static void format(Path dir, int nodeId, String clusterId, List<String> scramArguments) {
    if (Files.exists(dir.resolve("meta.properties"))) {
      return; // formatted by an earlier start: keep the cluster id and the data
    }
    try {
      new Formatter()
          .setNodeId(nodeId)
          .setClusterId(clusterId)
          .setDirectories(List.of(dir.toString()))
          .setMetadataLogDirectory(dir.toString())
          .setControllerListenerName("CONTROLLER")
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setScramArguments(scramArguments)
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The broker halts the process on a fatal error; in a library that would kill the caller (a test
   * run, the demo). Turn such exits into exceptions in the calling thread instead.
   */
  static void protectJvmFromBrokerExit() {
    Exit.setExitProcedure(
        (code, message) -> {
          throw new IllegalStateException("Kafka requested exit(" + code + "): " + message);
        });
    Exit.setHaltProcedure(
        (code, message) -> {
          throw new IllegalStateException("Kafka requested halt(" + code + "): " + message);
        });
  }

  /** A port that was free a moment ago (the broker binds it right after). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
      for (Path path : paths) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.getMessage());
    }
  }
}
