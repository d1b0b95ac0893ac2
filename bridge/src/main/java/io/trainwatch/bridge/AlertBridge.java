package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 */
public final class AlertBridge implements AutoCloseable {

  /** Prefix of the headers the bridge adds to dead-lettered records. */
  public static final String HEADER_PREFIX = "trainwatch.bridge.";

  /** Header with why the record was dead-lettered. */
  public static final String REASON_HEADER = HEADER_PREFIX + "reason";

  private static final Logger LOG = LoggerFactory.getLogger(AlertBridge.class);

  /**
   * Longest a poll waits when nothing is due: bounds how late a stop, a resend or a commit can be.
   */
  private static final Duration MAX_IDLE = Duration.ofMillis(500);

  /**
   * Deliveries between two polls: keeps the consumer inside max.poll.interval.ms even with slow
   * APIs.
   */
  private static final int MAX_DELIVERIES_PER_POLL = 20;

  /** Alerts per Alertmanager re-send request. */
  private static final int RESEND_CHUNK = 500;

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final BridgeConfig config;
  private final Sink sink;
  private final Map<String, Object> kafka;
  private final Clock clock;
  private final RandomGenerator random;
  private final Redactor redactor;
  private final BridgeStats stats = new BridgeStats();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch assigned = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile Thread thread;
  private volatile RuntimeException failure;

  AlertBridge(
      BridgeConfig config,
      Sink sink,
      Map<String, Object> kafkaClientProps,
      Clock clock,
      RandomGenerator random) {
    if (!kafkaClientProps.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      throw new IllegalArgumentException("kafka properties: bootstrap.servers is required");
    }
    this.config = config;
    this.sink = sink;
    this.kafka = Map.copyOf(kafkaClientProps);
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
      ensureTopics();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps());
          KafkaConsumer<byte[], byte[]> ledgerReader = new KafkaConsumer<>(ledgerReaderProps());
          KafkaConsumer<byte[], byte[]> alerts = new KafkaConsumer<>(consumerProps())) {
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
        new Loop(alerts, producer, ledgerTopic, ledger).run();
      }
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      consumer = null;
      LOG.info("bridge {} stopped: {}", config.name(), stats.snapshot());
      finished.countDown();
    }
  }

  /** What the bridge has done so far. */
  public BridgeStats.Snapshot stats() {
    return stats.snapshot();
  }

  /**
   * {@code true} once the consumer has been given its partitions, {@code false} if not within
   * {@code timeout}.
   */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
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

  /** The state of one run: everything here is touched by the bridge thread only. */
  private final class Loop implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final LedgerTopic ledgerTopic;
    private final DeliveryLedger ledger;
    private final DeliveryScheduler scheduler;
    private final List<Future<RecordMetadata>> unconfirmedDeadLetters = new ArrayList<>();

    /**
     * Firing alerts the destination shows, for Alertmanager re-sends; {@code null} for other
     * destinations.
     */
    private final Map<String, Active> active;

    private final Duration resendInterval;
    private Instant nextResendAt;
    private boolean paused;

    private record Active(Alert alert, int partition) {}

    Loop(
        KafkaConsumer<byte[], byte[]> consumer,
        KafkaProducer<byte[], byte[]> producer,
        LedgerTopic ledgerTopic,
        DeliveryLedger ledger) {
      this.consumer = consumer;
      this.producer = producer;
      this.ledgerTopic = ledgerTopic;
      this.ledger = ledger;
      Instant now = clock.instant();
      TokenBucket pacer = config.rate().paced() ? new TokenBucket(config.rate(), now) : null;
      DeliveryScheduler.Grouping grouping = null;
      if (config.destinationSettings() instanceof DestinationSettings.Slack slack
          && !slack.groupWindow().isZero()) {
        grouping = new DeliveryScheduler.Grouping(slack.groupWindow(), SlackMessage.MAX_ALERTS);
      }
      this.scheduler = new DeliveryScheduler(config.retry(), grouping, pacer, ledger, random);
      if (config.destinationSettings() instanceof DestinationSettings.Alertmanager am) {
        this.active = new LinkedHashMap<>();
        this.resendInterval = am.resendInterval();
        this.nextResendAt = now.plus(resendInterval);
      } else {
        this.active = null;
        this.resendInterval = null;
      }
    }

    void run() {
      consumer.subscribe(List.of(config.topic()), this);
      while (!stopping.get()) {
        try {
          iterate();
        } catch (WakeupException e) {
          if (!stopping.get()) {
            throw e;
          }
        }
      }
      try {
        commitFinished(consumer.assignment());
      } catch (WakeupException e) {
        commitFinished(consumer.assignment()); // a wakeup is consumed by the call it interrupts
      }
    }

    private void iterate() {
      applyBackPressure();
      Instant now = clock.instant();
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(pollWait(now))) {
        intake(r);
      }
      deliverDue();
      resendDue();
      commitFinished(consumer.assignment());
    }

    private Duration pollWait(Instant now) {
      Instant next = scheduler.nextWakeUp(now);
      if (active != null && !active.isEmpty() && (next == null || nextResendAt.isBefore(next))) {
        next = nextResendAt;
      }
      if (next == null) {
        return MAX_IDLE;
      }
      Duration d = Duration.between(now, next);
      return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_IDLE) > 0 ? MAX_IDLE : d;
    }

    private void applyBackPressure() {
      if (scheduler.pending() >= config.maxPending()) {
        if (!paused) {
          LOG.warn(
              "bridge {}: {} alerts waiting for {}; pausing consumption until half have gone out",
              config.name(),
              scheduler.pending(),
              config.destination().wire());
        }
        paused = true;
        consumer.pause(consumer.assignment());
      } else if (paused && scheduler.pending() < Math.max(1, config.maxPending() / 2)) {
        paused = false;
        consumer.resume(consumer.paused());
        LOG.info("bridge {}: resuming consumption", config.name());
      }
    }

    private void intake(ConsumerRecord<byte[], byte[]> r) {
      stats.received.incrementAndGet();
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (r.value() == null) {
        stats.ignored.incrementAndGet();
        scheduler.passOver(tp, r.offset());
        return;
      }
      Alert alert;
      try {
        alert = AlertCodec.decode(r.value());
      } catch (InvalidEventException e) {
        String reason = "not a valid alert: " + e.getMessage();
        deadLetter(r, reason);
        LOG.error(
            "{}-{}@{}: {}; sent to {}",
            r.topic(),
            r.partition(),
            r.offset(),
            reason,
            config.dlqTopic());
        scheduler.passOver(tp, r.offset());
        return;
      }
      if (!config.filter().accepts(alert)) {
        stats.filtered.incrementAndGet();
        scheduler.passOver(tp, r.offset());
        return;
      }
      scheduler.offer(new PendingAlert(tp, alert, r));
    }

    private void deliverDue() {
      for (int i = 0; i < MAX_DELIVERIES_PER_POLL && !stopping.get(); i++) {
        DeliveryScheduler.Selection s = scheduler.next(clock.instant());
        for (PendingAlert p : s.alreadyFinished()) {
          stats.duplicates.incrementAndGet();
          LOG.info(
              "skipped {}: revision {} or later already finished (redelivered record)",
              p,
              p.alert().revision());
        }
        for (PendingAlert p : s.superseded()) {
          stats.superseded.incrementAndGet();
          LOG.info(
              "superseded {}: a newer emission of the alert is queued while its delivery fails", p);
        }
        if (s.batch().isEmpty()) {
          return;
        }
        deliver(s.batch());
      }
    }

    private void deliver(List<PendingAlert> batch) {
      List<Alert> alerts = batch.stream().map(PendingAlert::alert).toList();
      stats.requests.incrementAndGet();
      DeliveryResult result;
      try {
        result =
            alerts.size() == 1
                ? sink.deliver(alerts.get(0))
                : ((BatchSink) sink).deliverAll(alerts);
      } catch (RuntimeException e) {
        // A bug in building one alert's request must not stop every other alert (nor crash-loop on
        // restart).
        LOG.error("could not build the request for {}", batch, e);
        result = DeliveryResult.rejected("the bridge could not build the request: " + e);
      }
      Instant now = clock.instant();
      String dest = config.destination().wire();
      if (result instanceof DeliveryResult.Delivered) {
        for (PendingAlert p : batch) {
          ledgerTopic.record(
              p.alert().alertId(),
              DeliveryLedger.Entry.of(
                  p.alert(), DeliveryLedger.Outcome.DELIVERED, p.partition().partition()));
          track(p);
          stats.delivered.incrementAndGet();
          LOG.info("delivered {} to {}", p, dest);
        }
        scheduler.completed(batch);
      } else if (result instanceof DeliveryResult.RateLimited rl) {
        Duration wait = scheduler.rateLimited(rl.retryAfter(), now);
        stats.rateLimited.incrementAndGet();
        LOG.warn(
            "{} (Retry-After {}); no requests to {} for {} ms",
            redactor.redact(rl.reason()),
            rl.retryAfter() == null ? "absent" : rl.retryAfter().toSeconds() + " s",
            dest,
            wait.toMillis());
      } else if (result instanceof DeliveryResult.Retryable rt) {
        List<PendingAlert> parked = scheduler.failed(batch, now);
        stats.retried.addAndGet(batch.size() - parked.size());
        stats.parked.addAndGet(parked.size());
        for (PendingAlert p : batch) {
          if (parked.contains(p)) {
            LOG.warn(
                "parked {} for {} after {} failed attempts, last: {}; other alerts continue",
                p,
                config.retry().parkInterval(),
                config.retry().maxAttempts(),
                redactor.redact(rt.reason()));
          } else {
            LOG.warn("delivery of {} failed, will retry: {}", p, redactor.redact(rt.reason()));
          }
        }
      } else if (result instanceof DeliveryResult.Rejected rj) {
        if (batch.size() > 1) {
          scheduler.isolate(batch);
          LOG.warn(
              "{} rejected a message of {} alerts ({}); sending them one by one",
              dest,
              batch.size(),
              redactor.redact(rj.reason()));
          return;
        }
        PendingAlert p = batch.get(0);
        deadLetter(p.source(), rj.reason());
        ledgerTopic.record(
            p.alert().alertId(),
            DeliveryLedger.Entry.of(
                p.alert(), DeliveryLedger.Outcome.DEAD_LETTERED, p.partition().partition()));
        if (active != null) {
          active.remove(p.alert().alertId());
        }
        LOG.error(
            "{} rejected {}: {}; sent to {}, continuing with the next alert",
            dest,
            p,
            redactor.redact(rj.reason()),
            config.dlqTopic());
        scheduler.completed(batch);
      }
    }

    private void track(PendingAlert p) {
      if (active == null) {
        return;
      }
      if (p.alert().firing()) {
        active.put(p.alert().alertId(), new Active(p.alert(), p.partition().partition()));
      } else {
        active.remove(p.alert().alertId());
      }
    }

    /** Re-sends firing alerts to Alertmanager before their {@code endsAt} lease runs out. */
    private void resendDue() {
      if (active == null) {
        return;
      }
      Instant now = clock.instant();
      if (now.isBefore(nextResendAt) || stopping.get()) {
        return;
      }
      nextResendAt = now.plus(resendInterval);
      if (active.isEmpty() || scheduler.gated(now)) {
        return;
      }
      List<Alert> all = active.values().stream().map(Active::alert).toList();
      for (int from = 0; from < all.size(); from += RESEND_CHUNK) {
        List<Alert> chunk = all.subList(from, Math.min(all.size(), from + RESEND_CHUNK));
        DeliveryResult r = ((BatchSink) sink).deliverAll(chunk);
        if (r instanceof DeliveryResult.Delivered) {
          stats.resent.addAndGet(chunk.size());
        } else {
          if (r instanceof DeliveryResult.RateLimited rl) {
            scheduler.rateLimited(rl.retryAfter(), clock.instant());
          }
          LOG.warn(
              "re-sending {} firing alerts to {} failed: {}; next try in {}",
              all.size(),
              config.destination().wire(),
              redactor.redact(reasonOf(r)),
              resendInterval);
          return;
        }
      }
      LOG.debug("re-sent {} firing alerts", all.size());
    }

    /**
     * Commits what is finished; dead-letter copies are made durable first, so none is lost to a
     * crash.
     */
    private void commitFinished(Collection<TopicPartition> owned) {
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(scheduler.committable());
      offsets.keySet().retainAll(new HashSet<>(owned));
      if (offsets.isEmpty()) {
        return;
      }
      confirmDeadLetters();
      try {
        consumer.commitSync(offsets);
        scheduler.committed(offsets);
      } catch (CommitFailedException | RebalanceInProgressException e) {
        LOG.warn(
            "bridge {}: commit failed during a rebalance ({}); the records will be redelivered and skipped",
            config.name(),
            e.getMessage());
      }
    }

    private void confirmDeadLetters() {
      if (unconfirmedDeadLetters.isEmpty()) {
        return;
      }
      producer.flush();
      try {
        for (Future<RecordMetadata> f : unconfirmedDeadLetters) {
          f.get();
        }
      } catch (ExecutionException e) {
        throw new BridgeException(
            "dead-letter topic "
                + config.dlqTopic()
                + ": write failed ("
                + e.getCause()
                + "); stopping without committing, so the records are redelivered",
            e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BridgeException("interrupted while confirming dead-letter writes", e);
      }
      unconfirmedDeadLetters.clear();
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> r, String reason) {
      RecordHeaders h = new RecordHeaders(r.headers().toArray());
      h.add(REASON_HEADER, redactor.redact(reason).getBytes(StandardCharsets.UTF_8));
      h.add(HEADER_PREFIX + "name", config.name().getBytes(StandardCharsets.UTF_8));
      h.add(
          HEADER_PREFIX + "destination",
          config.destination().wire().getBytes(StandardCharsets.UTF_8));
      h.add(
          HEADER_PREFIX + "source",
          (r.topic() + "-" + r.partition() + "@" + r.offset()).getBytes(StandardCharsets.UTF_8));
      h.add(
          HEADER_PREFIX + "failed_at", clock.instant().toString().getBytes(StandardCharsets.UTF_8));
      unconfirmedDeadLetters.add(
          producer.send(new ProducerRecord<>(config.dlqTopic(), null, r.key(), r.value(), h)));
      stats.deadLettered.incrementAndGet();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      commitFinished(partitions);
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) {
        // Another instance may have finished alerts of these partitions since we last read the
        // ledger.
        ledgerTopic.catchUp(STARTUP_TIMEOUT);
        if (active != null) {
          Set<Integer> numbers = new HashSet<>();
          partitions.forEach(tp -> numbers.add(tp.partition()));
          ledger
              .activeIn(numbers)
              .forEach((id, a) -> active.put(id, new Active(a, ledger.get(id).partition())));
        }
        LOG.info("bridge {}: assigned {}", config.name(), partitions);
      }
      assigned.countDown();
    }

    private void forget(Collection<TopicPartition> partitions) {
      scheduler.dropPartitions(partitions);
      if (active != null) {
        Set<Integer> numbers = new HashSet<>();
        partitions.forEach(tp -> numbers.add(tp.partition()));
        active.values().removeIf(a -> numbers.contains(a.partition()));
      }
    }
  }

  private static String reasonOf(DeliveryResult r) {
    if (r instanceof DeliveryResult.RateLimited rl) {
      return rl.reason();
    }
    if (r instanceof DeliveryResult.Retryable rt) {
      return rt.reason();
    }
    if (r instanceof DeliveryResult.Rejected rj) {
      return rj.reason();
    }
    return "delivered";
  }

  private void ensureTopics() {
    try (Admin admin = Admin.create(only(AdminClientConfig.configNames(), Map.of()))) {
      List<NewTopic> topics =
          List.of(
              new NewTopic(config.dlqTopic(), Optional.empty(), Optional.empty()),
              new NewTopic(config.stateTopic(), Optional.of(1), Optional.empty())
                  .configs(Map.of("cleanup.policy", "compact")));
      admin
          .createTopics(topics)
          .values()
          .forEach(
              (name, future) -> {
                try {
                  future.get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                  LOG.info("created topic {}", name);
                } catch (ExecutionException e) {
                  if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new BridgeException(
                        "topic " + name + ": cannot create (" + e.getCause().getMessage() + ")",
                        e.getCause());
                  }
                } catch (java.util.concurrent.TimeoutException e) {
                  throw new BridgeException(
                      "topic " + name + ": no answer from the broker within " + STARTUP_TIMEOUT, e);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new BridgeException("interrupted while creating " + name, e);
                }
              });
      try {
        if (!admin
            .listTopics()
            .names()
            .get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .contains(config.topic())) {
          LOG.warn("topic {} does not exist yet; the bridge waits for it", config.topic());
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        LOG.debug("could not list topics: {}", e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Map<String, Object> consumerProps() {
    Map<String, Object> p =
        only(
            ConsumerConfig.configNames(),
            Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "trainwatch-bridge-" + config.name()));
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // The monitor writes alerts in transactions: never deliver an alert from an aborted one.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        config.startFrom().name().toLowerCase(Locale.ROOT));
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }

  private Map<String, Object> ledgerReaderProps() {
    Map<String, Object> p =
        only(
            ConsumerConfig.configNames(),
            Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "trainwatch-bridge-" + config.name() + "-state"));
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }

  private Map<String, Object> producerProps() {
    Map<String, Object> p =
        only(
            ProducerConfig.configNames(),
            Map.of(ProducerConfig.CLIENT_ID_CONFIG, "trainwatch-bridge-" + config.name()));
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Ledger writes are synchronous and one at a time: batching would only add latency.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return p;
  }

  /**
   * The client properties a client knows, over the given defaults (so each client gets no
   * unknown-key warnings).
   */
  private Map<String, Object> only(Set<String> known, Map<String, Object> defaults) {
    Map<String, Object> p = new HashMap<>(defaults);
    kafka.forEach(
        (k, v) -> {
          if (known.contains(k)) {
            p.put(k, v);
          }
        });
    return p;
  }
}
