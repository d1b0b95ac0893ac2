package io.trainwatch.trainer;

import io.trainwatch.schemas.ControlCodec;
import io.trainwatch.schemas.ControlCommand;
import io.trainwatch.schemas.InvalidEventException;
import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one run's commands from {@code trainwatch.control} on a background thread.
 *
 * <p>It reads every partition of the topic with {@code isolation.level=read_committed} (only
 * commands of committed monitor transactions, i.e. whose alert exists) and no consumer group, so a
 * trainer needs only READ on the topic. It starts at the end of each partition as of its creation:
 * the listener creates it before publishing {@code run_started}, and the monitor only commands a
 * run it has seen start, so nothing for this run is missed and nothing older is replayed. If the
 * topic does not exist yet, it waits for it and then reads it from the beginning. Commands for
 * other runs are skipped; a command this trainer cannot read (a newer monitor's) is logged in one
 * line and skipped.
 */
public final class KafkaCommandSubscriber implements CommandSource {

  private static final Logger log = LoggerFactory.getLogger(KafkaCommandSubscriber.class);
  private static final Duration POLL = Duration.ofMillis(200);

  private final String runId;
  private final String topic;
  private final KafkaConsumer<String, byte[]> consumer;
  private final ConcurrentLinkedQueue<ControlCommand> received = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean assigned;

  /**
   * Connects and takes the current end of the topic as the starting point (waiting at most {@code
   * startTimeout} for it), then reads on a daemon thread.
   *
   * @param clientProperties extra Kafka client settings (security); never logged
   */
  public KafkaCommandSubscriber(
      String bootstrapServers,
      String topic,
      Map<String, String> clientProperties,
      String runId,
      Duration startTimeout) {
    this.runId = runId;
    this.topic = topic == null ? Topics.CONTROL : topic;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "trainwatch-control-" + runId);
    if (clientProperties != null) {
      p.putAll(clientProperties);
    }
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    try {
      assignAtEnd(startTimeout);
    } catch (RuntimeException e) {
      log.warn(
          "trainwatch: control topic {} not readable yet for run {} ({}); will keep trying",
          this.topic,
          runId,
          e.toString());
    }
    thread = new Thread(this::loop, "trainwatch-control-" + runId);
    thread.setDaemon(true);
    thread.start();
  }

  private void assignAtEnd(Duration timeout) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " has no partitions (yet)");
    }
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo i : infos) {
      partitions.add(new TopicPartition(i.topic(), i.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    for (TopicPartition tp : partitions) {
      consumer.position(tp, timeout); // resolves the end now, before run_started is published
    }
    assigned = true;
  }

  private void assignFromStart() {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
    if (infos == null || infos.isEmpty()) {
      return;
    }
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo i : infos) {
      partitions.add(new TopicPartition(i.topic(), i.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    assigned = true;
  }

  private void loop() {
    try {
      while (!closed.get()) {
        if (!assigned) {
          try {
            assignFromStart();
          } catch (RuntimeException e) {
            if (closed.get()) {
              return;
            }
          }
          if (!assigned) {
            Thread.sleep(1_000);
            continue;
          }
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
          if (!runId.equals(r.key()) || r.value() == null) {
            continue;
          }
          try {
            ControlCommand c = ControlCodec.decode(r.value());
            if (runId.equals(c.runId())) {
              received.add(c);
            }
          } catch (InvalidEventException e) {
            log.warn(
                "trainwatch: run {}: skipping a command this trainer cannot read ({}): {}",
                runId,
                r.topic() + "-" + r.partition() + "@" + r.offset(),
                e.getMessage());
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!closed.get()) {
        log.warn("trainwatch: run {}: control subscriber stopped: {}", runId, e.toString());
      }
    } finally {
      try {
        consumer.close(Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        // nothing left to do
      }
    }
  }

  @Override
  public List<ControlCommand> drain() {
    List<ControlCommand> out = new ArrayList<>(0);
    ControlCommand c;
    while ((c = received.poll()) != null) {
      out.add(c);
    }
    return out;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      consumer.wakeup();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
