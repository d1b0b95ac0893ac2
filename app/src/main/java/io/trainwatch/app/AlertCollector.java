package io.trainwatch.app;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.InvalidEventException;
import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every committed alert from {@link Topics#ALERTS} on a background thread, hands each to a
 * listener and keeps them for later questions ("has run X fired rule Y?"). Used by the demo, the
 * evaluation harness and the tests.
 */
public final class AlertCollector implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AlertCollector.class);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Consumer<Alert> listener;
  private final List<Alert> alerts = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  private AlertCollector(Properties props, Consumer<Alert> listener) {
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.listener = listener;
    this.thread = new Thread(this::pollLoop, "alert-collector");
    this.thread.setDaemon(true);
  }

  /**
   * Starts reading from the beginning of the alert topic; {@code clientConfig} may carry security
   * settings.
   */
  public static AlertCollector start(
      String bootstrapServers, Properties clientConfig, Consumer<Alert> listener) {
    Properties props = new Properties();
    props.putAll(clientConfig);
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "trainwatch-collector-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    AlertCollector collector = new AlertCollector(props, listener);
    collector.consumer.subscribe(List.of(Topics.ALERTS));
    collector.thread.start();
    return collector;
  }

  /** Every alert read so far, in topic order per partition. */
  public synchronized List<Alert> alerts() {
    return List.copyOf(alerts);
  }

  /** Alerts of one run. */
  public synchronized List<Alert> alertsOf(String runId) {
    return alerts.stream().filter(a -> a.runId().equals(runId)).toList();
  }

  /**
   * Waits until {@code condition} holds over the alerts read so far, or the timeout passes.
   *
   * @return {@code true} if the condition holds, {@code false} on timeout
   */
  public synchronized boolean awaitCondition(Predicate<List<Alert>> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(alerts)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  private void pollLoop() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          accept(record);
        }
      }
    } catch (WakeupException e) {
      // close() was called
    } catch (RuntimeException e) {
      LOG.error("alert collector stopped: {}", e.toString());
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
    }
  }

  private void accept(ConsumerRecord<byte[], byte[]> record) {
    Alert alert;
    try {
      alert = AlertCodec.decode(record.value());
    } catch (InvalidEventException e) {
      LOG.warn(
          "unreadable alert at {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      return;
    }
    listener.accept(alert);
    synchronized (this) {
      alerts.add(alert);
      notifyAll();
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the poll thread is a daemon and stops on its own
    }
  }
}
