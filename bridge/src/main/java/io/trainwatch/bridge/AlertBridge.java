package io.trainwatch.bridge;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka consumer of {@code trainwatch.alerts} that delivers every alert emission to one
 * destination.
 *
 * <p>Guarantees, per bridge name:
 *
 * <ul>
 *   <li>At-least-once delivery to the API: offsets are committed only after an outcome (delivered,
 *       or dead-lettered with the reason); a crash redelivers whatever had no recorded outcome.
 *   <li>Never a re-trigger after a resolve: the last finished revision per alert_id is kept durably
 *       in {@code trainwatch.bridge.NAME.state} before the next emission of that alert is
 *       attempted, and older revisions are skipped. The only duplicate a crash can cause is the
 *       very last emission of an alert, sent again.
 *   <li>Per-alert order; one failing or rejected alert never blocks the others.
 * </ul>
 *
 * <pre>{@code
 * BridgeConfig config = BridgeConfig.load(Path.of("slack.properties"), System.getenv(), Destination.SLACK);
 * try (AlertBridge bridge = AlertBridge.create(config, Map.of("bootstrap.servers", "localhost:9092")).start()) {
 *   ...                                   // runs in its own thread until close()
 * }
 * }</pre>
 *
 * <p>This class holds the lifecycle (start, run, close); the parts each have one job: {@link
 * BridgeClients} the Kafka client properties, {@link BridgeTopics} topic creation, {@link
 * DeliveryLoop} the poll-deliver-commit loop, {@link DeliveryScheduler} order, retries and pacing,
 * {@link BackPressure} when to pause reading, {@link DeadLetterWriter} the dead-letter topic, and
 * {@link AlertmanagerResends} Alertmanager's re-send bookkeeping.
 */
public final class AlertBridge implements AutoCloseable {

  /** Prefix of the headers the bridge adds to dead-lettered records. */
  public static final String HEADER_PREFIX = "trainwatch.bridge.";

  /** Header with why the record was dead-lettered. */
  public static final String REASON_HEADER = HEADER_PREFIX + "reason";

  private static final Logger LOG = LoggerFactory.getLogger(AlertBridge.class);

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final BridgeConfig config;
  private final Sink sink;
  private final BridgeClients clients;
  private final Clock clock;
  private final RandomGenerator random;
  private final Redactor redactor;
  private final BridgeStats stats = new BridgeStats();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final ConsumerView view = new ConsumerView();
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile Thread thread;
  private volatile RuntimeException failure;
  private volatile ClientMetrics clientMetrics = ClientMetrics.NONE;

  /**
   * Binds a bridge's Kafka clients to metrics while they live: called in the bridge thread once the
   * clients are created; what it returns is run before they are closed (it must not throw).
   */
  @FunctionalInterface
  interface ClientMetrics {
    ClientMetrics NONE = (consumer, producer) -> () -> {};

    /** Binds the clients; returns what unbinds them. */
    Runnable bind(Consumer<?, ?> alertsConsumer, Producer<?, ?> producer);
  }

  AlertBridge(
      BridgeConfig config,
      Sink sink,
      Map<String, Object> kafkaClientProps,
      Clock clock,
      RandomGenerator random) {
    this.clients = new BridgeClients(config, kafkaClientProps);
    this.config = config;
    this.sink = sink;
    this.clock = clock;
    this.random = random;
    this.redactor = config.redactor();
  }

  /**
   * A bridge for {@code config}.
   *
   * @param kafkaClientProps {@code bootstrap.servers} plus any security settings; applied to the
   *     consumer, producer and admin client (each takes the keys it knows)
   */
  public static AlertBridge create(BridgeConfig config, Map<String, Object> kafkaClientProps) {
    return create(config, kafkaClientProps, Clock.systemUTC());
  }

  /**
   * {@link #create(BridgeConfig, Map)} with a clock for timestamps, backoffs and Alertmanager
   * leases.
   */
  public static AlertBridge create(
      BridgeConfig config, Map<String, Object> kafkaClientProps, Clock clock) {
    return new AlertBridge(
        config, Sinks.create(config, clock), kafkaClientProps, clock, new SplittableRandom());
  }

  /** Runs the bridge in a new thread; returns at once. */
  public AlertBridge start() {
    Thread t =
        new Thread(
            () -> {
              try {
                run();
              } catch (RuntimeException e) {
                LOG.error(
                    "bridge {} stopped: {}",
                    config.name(),
                    redactor.redact(String.valueOf(e.getMessage())),
                    e);
              }
            },
            "trainwatch-bridge-" + config.name());
    t.setDaemon(true);
    thread = t;
    t.start();
    return this;
  }

  /**
   * Runs the bridge in the calling thread until {@link #close()} is called from another thread.
   *
   * @throws BridgeException if the bridge cannot keep its guarantees (state or dead-letter topic
   *     not writable)
   */
  public void run() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("bridge " + config.name() + ": already started");
    }
    try {
      BridgeTopics.ensure(config, clients.admin(), STARTUP_TIMEOUT);
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(clients.producer());
          KafkaConsumer<byte[], byte[]> ledgerReader = new KafkaConsumer<>(clients.ledgerReader());
          KafkaConsumer<byte[], byte[]> alerts = new KafkaConsumer<>(clients.alertsConsumer())) {
        consumer = alerts;
        DeliveryLedger ledger = new DeliveryLedger();
        LedgerTopic ledgerTopic =
            new LedgerTopic(
                config.stateTopic(), producer, ledgerReader, ledger, Duration.ofSeconds(30));
        ledgerTopic.catchUp(STARTUP_TIMEOUT);
        LOG.info(
            "bridge {} → {} {}: consuming {} as group {}; {} alerts known from {}",
            config.name(),
            config.destination().wire(),
            config.destinationSettings().describe(),
            config.topic(),
            config.groupId(),
            ledger.size(),
            config.stateTopic());
        DeliveryLoop loop =
            new DeliveryLoop(
                config,
                sink,
                alerts,
                ledgerTopic,
                ledger,
                new DeadLetterWriter(config, producer, clock, stats),
                clock,
                random,
                stats,
                stopping,
                view,
                STARTUP_TIMEOUT);
        Runnable unbindMetrics = clientMetrics.bind(alerts, producer);
        try {
          if (config.startFrom() == BridgeConfig.StartFrom.ACTIVE) {
            loop.pageWhatIsOpen(clients.activeReader());
          }
          loop.run();
        } finally {
          unbindMetrics.run();
        }
      }
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      consumer = null;
      view.clear();
      LOG.info("bridge {} stopped: {}", config.name(), stats.snapshot());
      finished.countDown();
    }
  }

  /** What the bridge has done so far. */
  public BridgeStats.Snapshot stats() {
    return stats.snapshot();
  }

  /**
   * {@code true} once the consumer has been through its first rebalance (it has been given its
   * partitions, or learnt that it gets none), {@code false} if not within {@code timeout}.
   */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return view.awaitFirstRebalance(timeout);
  }

  /**
   * The partitions of the alerts topic the consumer owns now: empty before the first assignment,
   * during an eager rebalance, after a revocation that gave them all to other members, and once the
   * bridge stopped.
   */
  public Set<TopicPartition> assignment() {
    return view.owned();
  }

  /**
   * Records between the consumer's position and the end of the partitions it owns, summed, as of
   * its last fetch: alerts written that this bridge has not read yet.
   */
  public long consumerLag() {
    return view.lag();
  }

  /** Alerts read and not finished yet: waiting for delivery, a retry or the rate limit. */
  public int pending() {
    return view.pending();
  }

  /** Binds the Kafka clients to metrics while they live; before {@link #start()}/{@link #run()}. */
  void bindClientMetrics(ClientMetrics binder) {
    if (started.get()) {
      throw new IllegalStateException("bridge " + config.name() + ": already started");
    }
    this.clientMetrics = binder;
  }

  /** Why the bridge stopped on its own, if it did. */
  public Optional<RuntimeException> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * Stops the bridge: the current request finishes (bounded by {@code http.timeout}), finished
   * offsets are committed, unfinished alerts stay uncommitted for the next run. Idempotent.
   */
  @Override
  public void close() {
    stopping.set(true);
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    if (started.get()) {
      try {
        if (!finished.await(
            CLOSE_TIMEOUT.toMillis() + config.httpTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("bridge {}: did not stop within {}", config.name(), CLOSE_TIMEOUT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
