package io.trainwatch.trainer;

import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.schemas.util.RateLimitedLog;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes training events to Kafka without ever blocking the training thread.
 *
 * <p>{@link #publish} only offers the event to a bounded queue (a few hundred nanoseconds). One
 * sender thread serializes events ({@link EventCodec}) and hands them to a producer configured with
 * {@code max.block.ms=0}, so even the sender never waits for metadata or buffer space. Record key =
 * run id, so a run's events stay in order on one partition; record timestamp = the event's {@code
 * ts_ms}.
 *
 * <p>When the queue or the producer buffer is full, or the broker is away, events are dropped or
 * fail, are counted in {@link #stats()} and logged rate-limited (the first one, then every {@link
 * KafkaPublisherSettings#lossLogInterval()}-th). Client properties may carry credentials: they are
 * never logged.
 */
public final class KafkaEventPublisher implements EventPublisher {

  private static final Logger log = LoggerFactory.getLogger(KafkaEventPublisher.class);

  /**
   * Settings the guarantees depend on, with the reason: client properties cannot override them.
   * Never blocking training needs {@code max.block.ms=0}; surviving the loss of a broker without
   * losing or repeating an event needs {@code acks=all} (the write is on every in-sync replica,
   * {@code min.insync.replicas} at least) and idempotence (a retried send is written once).
   */
  private static final Map<String, String> ENFORCED =
      Map.of(
          ProducerConfig.MAX_BLOCK_MS_CONFIG, "the publisher must never block training",
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "the publisher serializes events itself",
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "the publisher serializes events itself",
          ProducerConfig.ACKS_CONFIG, "an event is acknowledged once every in-sync replica has it",
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "a retried event must be written once");

  private static final long POLL_MS = 50;

  private final KafkaPublisherSettings settings;
  private final Producer<String, byte[]> producer;
  private final BlockingQueue<TrainingEvent> queue;
  private final Thread sender;
  private final CountDownLatch metadataReady = new CountDownLatch(1);

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final RateLimitedLog droppedLog;
  private final RateLimitedLog failedLog;

  private volatile boolean closing;
  private volatile long closeDeadlineNanos;
  private boolean closed;

  /**
   * Creates the producer and starts the sender thread; returns at once (metadata is fetched in the
   * background).
   */
  public KafkaEventPublisher(KafkaPublisherSettings settings) {
    this(settings, new KafkaProducer<>(producerProperties(settings)));
  }

  /** For tests that need a producer of their own; the publisher owns and closes it. */
  KafkaEventPublisher(KafkaPublisherSettings settings, Producer<String, byte[]> producer) {
    this.settings = settings;
    this.producer = producer;
    this.droppedLog = RateLimitedLog.firstThenEvery(settings.lossLogInterval());
    this.failedLog = RateLimitedLog.firstThenEvery(settings.lossLogInterval());
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    this.sender = new Thread(this::runSender, "trainwatch-publisher");
    // A forgotten close() must not keep the user's JVM alive.
    sender.setDaemon(true);
    sender.start();
    log.info(
        "trainwatch: publishing training events to topic {} on {}",
        settings.topic(),
        settings.bootstrapServers());
  }

  /** A publisher with default settings for the given cluster. */
  public static KafkaEventPublisher connect(String bootstrapServers) {
    return new KafkaEventPublisher(KafkaPublisherSettings.defaults(bootstrapServers));
  }

  /**
   * The producer configuration for these settings: the publisher's defaults, then the client
   * properties, then the settings the never-block guarantee needs.
   */
  static Properties producerProperties(KafkaPublisherSettings s) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "trainwatch-trainer");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(s.linger().toMillis()));
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(s.bufferMemoryBytes()));
    long deliveryMs = s.deliveryTimeout().toMillis();
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(deliveryMs));
    // The producer insists on delivery.timeout.ms >= linger.ms + request.timeout.ms.
    long requestMs = Math.min(30_000, deliveryMs - s.linger().toMillis());
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(requestMs));
    // Kafka 4 clients "rebootstrap" when no broker answers: the topic's metadata is dropped, and
    // with max.block.ms=0
    // every event sent during the outage then fails at once instead of waiting deliveryTimeout for
    // the broker.
    // Keeping the known brokers makes an outage shorter than deliveryTimeout lose nothing
    // (BrokerOutageIT).
    p.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
    for (Map.Entry<String, String> e : s.clientProperties().entrySet()) {
      if (ENFORCED.containsKey(e.getKey())) {
        log.warn(
            "trainwatch: ignoring client property {}: {}", e.getKey(), ENFORCED.get(e.getKey()));
        continue;
      }
      p.put(e.getKey(), e.getValue());
    }
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  @Override
  public void publish(TrainingEvent event) {
    published.incrementAndGet();
    if (closing || !queue.offer(event)) {
      countDropped(
          closing ? "publisher closed" : "queue of " + settings.queueCapacity() + " events full");
    }
  }

  /**
   * Waits up to {@code timeout} for the topic's metadata, i.e. until the broker has answered once.
   *
   * @return {@code true} if the publisher reached the broker, {@code false} if the timeout passed
   *     first
   */
  public boolean awaitReady(Duration timeout) {
    try {
      return metadataReady.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public PublisherStats stats() {
    // Read the outcomes before `published`, so a concurrent publish can only make pending look
    // larger.
    long d = delivered.get();
    long dr = dropped.get();
    long f = failed.get();
    return new PublisherStats(Math.max(published.get(), d + dr + f), d, dr, f);
  }

  @Override
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (stats().pending() > 0) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      sleepQuietly(5);
    }
    return true;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long timeoutNanos = settings.closeTimeout().toNanos();
    closeDeadlineNanos = System.nanoTime() + timeoutNanos;
    closing = true;
    try {
      sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.interrupt();
    int unsent = 0;
    while (queue.poll() != null) {
      unsent++;
    }
    if (unsent > 0) {
      dropped.addAndGet(unsent);
      log.warn(
          "trainwatch: {} events still queued after the close timeout of {}: dropped",
          unsent,
          settings.closeTimeout());
    }
    long remaining = Math.max(0, closeDeadlineNanos - System.nanoTime());
    // Records the producer cannot complete in time are failed through their callbacks, so the
    // counters settle.
    producer.close(Duration.ofNanos(remaining));
    PublisherStats s = stats();
    log.info(
        "trainwatch: publisher closed: {} published, {} delivered, {} dropped, {} failed",
        s.published(),
        s.delivered(),
        s.dropped(),
        s.failed());
  }

  private void runSender() {
    warmMetadata();
    while (true) {
      TrainingEvent event;
      try {
        event = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (event == null) {
        if (closing) {
          return;
        }
        continue;
      }
      send(event);
      if (closing && System.nanoTime() - closeDeadlineNanos >= 0) {
        return;
      }
    }
  }

  /**
   * With {@code max.block.ms=0} a send to a topic whose metadata is unknown fails at once, so ask
   * for it first. Each {@code partitionsFor} call that times out still leaves a metadata request
   * behind, answered in the background; retry until it is there or the warm-up time is over.
   */
  private void warmMetadata() {
    long deadline = System.nanoTime() + settings.metadataWarmup().toNanos();
    RuntimeException last = null;
    do {
      try {
        producer.partitionsFor(settings.topic());
        metadataReady.countDown();
        return;
      } catch (RuntimeException e) {
        last = e;
      }
      sleepQuietly(POLL_MS);
    } while (!closing
        && System.nanoTime() - deadline < 0
        && !Thread.currentThread().isInterrupted());
    log.warn(
        "trainwatch: no metadata for topic {} from {} within {} ({}); sending anyway, events will fail "
            + "until the broker answers",
        settings.topic(),
        settings.bootstrapServers(),
        settings.metadataWarmup(),
        last == null ? "closed" : last.getClass().getSimpleName());
  }

  private void send(TrainingEvent event) {
    try {
      ProducerRecord<String, byte[]> record =
          new ProducerRecord<>(
              settings.topic(), null, event.tsMs(), event.runId(), EventCodec.encode(event));
      producer.send(
          record,
          (metadata, exception) -> {
            if (exception == null) {
              delivered.incrementAndGet();
              metadataReady.countDown();
            } else if (exception instanceof BufferExhaustedException) {
              countDropped("producer buffer of " + settings.bufferMemoryBytes() + " bytes full");
            } else {
              countFailed(exception);
            }
          });
    } catch (RuntimeException e) {
      // Non-API errors (serialization, producer closed) are thrown by send() rather than passed to
      // the callback.
      countFailed(e);
    }
  }

  private void countDropped(String why) {
    dropped.incrementAndGet();
    droppedLog.occurred(
        (n, unlogged) ->
            log.warn(
                "trainwatch: dropped {} training event(s) so far ({}); training continues",
                n,
                why));
  }

  private void countFailed(Exception e) {
    failed.incrementAndGet();
    failedLog.occurred(
        (n, unlogged) ->
            log.warn(
                "trainwatch: {} training event(s) could not be delivered to {} so far ({}: {}); training continues",
                n,
                settings.bootstrapServers(),
                e.getClass().getSimpleName(),
                e.getMessage()));
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
