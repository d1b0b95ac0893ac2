package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.InvalidEventException;
import io.trainwatch.schemas.Topics;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a bridge, in its thread: polls the alerts topic, hands each alert to the {@link
 * DeliveryScheduler}, sends what is due to the sink, records outcomes in the state topic,
 * dead-letters rejections, and commits what is finished. Everything here is touched by the bridge
 * thread only.
 */
final class DeliveryLoop implements ConsumerRebalanceListener {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryLoop.class);

  /**
   * Longest a poll waits when nothing is due: bounds how late a stop, a resend or a commit can be.
   */
  private static final Duration MAX_IDLE = Duration.ofMillis(500);

  /**
   * Deliveries between two polls: keeps the consumer inside max.poll.interval.ms even with slow
   * APIs.
   */
  private static final int MAX_DELIVERIES_PER_POLL = 20;

  private final BridgeConfig config;
  private final Sink sink;
  private final Optional<BatchSink> batchSink;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final LedgerTopic ledgerTopic;
  private final DeliveryLedger ledger;
  private final DeadLetterWriter deadLetters;
  private final DeliveryScheduler scheduler;
  private final BackPressure backPressure;
  private final Clock clock;
  private final Redactor redactor;
  private final BridgeStats stats;
  private final AtomicBoolean stopping;
  private final ConsumerView view;
  private final Duration catchUpTimeout;

  /** Alertmanager's re-sends of firing alerts; empty for other destinations. */
  private final Optional<AlertmanagerResends> resends;

  DeliveryLoop(
      BridgeConfig config,
      Sink sink,
      KafkaConsumer<byte[], byte[]> consumer,
      LedgerTopic ledgerTopic,
      DeliveryLedger ledger,
      DeadLetterWriter deadLetters,
      Clock clock,
      RandomGenerator random,
      BridgeStats stats,
      AtomicBoolean stopping,
      ConsumerView view,
      Duration catchUpTimeout) {
    this.config = config;
    this.sink = sink;
    this.batchSink = sink.batching();
    this.consumer = consumer;
    this.ledgerTopic = ledgerTopic;
    this.ledger = ledger;
    this.deadLetters = deadLetters;
    this.clock = clock;
    this.redactor = config.redactor();
    this.stats = stats;
    this.stopping = stopping;
    this.view = view;
    this.catchUpTimeout = catchUpTimeout;
    this.backPressure = new BackPressure(config.maxPending());
    Instant now = clock.instant();
    TokenBucket pacer = config.rate().paced() ? new TokenBucket(config.rate(), now) : null;
    DeliveryScheduler.Grouping grouping = null;
    if (config.destinationSettings() instanceof DestinationSettings.Slack slack
        && !slack.groupWindow().isZero()
        && batchSink.isPresent()) {
      grouping = new DeliveryScheduler.Grouping(slack.groupWindow(), SlackMessage.MAX_ALERTS);
    }
    this.scheduler = new DeliveryScheduler(config.retry(), grouping, pacer, ledger, random);
    if (config.destinationSettings() instanceof DestinationSettings.Alertmanager am) {
      BatchSink alertmanager =
          batchSink.orElseThrow(
              () -> new IllegalStateException("an Alertmanager sink takes lists of alerts"));
      this.resends =
          Optional.of(
              new AlertmanagerResends(
                  alertmanager,
                  am.resendInterval(),
                  now,
                  config.destination().wire(),
                  redactor,
                  stats));
    } else {
      this.resends = Optional.empty();
    }
  }

  /**
   * Alerts-topic positions a group without committed offsets starts from after reading the active
   * alerts (the end it had when they were read), by partition; used once.
   */
  private final Map<TopicPartition, Long> startAt = new HashMap<>();

  /**
   * Active-topic partitions whose records were offered, with the offset after the last one: until
   * every one is finished, no alerts offset is committed, so a crash reads them again.
   */
  private final Map<TopicPartition, Long> bootstrapping = new HashMap<>();

  /**
   * Where partitions were sought after the open alerts were read, until that position is committed:
   * a restart then resumes there rather than reading the open alerts again.
   */
  private final Map<TopicPartition, Long> startUncommitted = new HashMap<>();

  /**
   * For a group without committed offsets: offers the alerts firing now (the newest record of each
   * alert id in the compacted active topic, tombstones for resolved ones), and notes the alerts
   * topic's end as it was before, where consumption then starts. An emission written between the
   * two reads is seen twice and delivered once (the ledger skips finished revisions).
   */
  void pageWhatIsOpen(Map<String, Object> readerProps) {
    List<TopicPartition> alertPartitions = partitionsOf(consumer, config.topic());
    if (alertPartitions.isEmpty()) {
      return; // no alerts topic yet: nothing is open
    }
    Map<TopicPartition, OffsetAndMetadata> committed =
        consumer.committed(new HashSet<>(alertPartitions), catchUpTimeout);
    if (committed.values().stream().anyMatch(o -> o != null)) {
      return; // the group resumes where it stopped
    }
    startAt.putAll(consumer.endOffsets(alertPartitions, catchUpTimeout));
    String activeTopic = Topics.activeAlerts(config.topic());
    try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(readerProps)) {
      List<TopicPartition> parts = partitionsOf(reader, activeTopic);
      if (parts.isEmpty()) {
        LOG.warn(
            "bridge {}: topic {} does not exist (a monitor older than this bridge?): starting"
                + " from the end of {}, alerts open now are not paged",
            config.name(),
            activeTopic,
            config.topic());
        return;
      }
      reader.assign(parts);
      reader.seekToBeginning(parts);
      Map<TopicPartition, Long> end = reader.endOffsets(parts, catchUpTimeout);
      Map<String, ConsumerRecord<byte[], byte[]>> open = new LinkedHashMap<>();
      long deadline = System.nanoTime() + catchUpTimeout.toNanos();
      while (end.entrySet().stream().anyMatch(e -> reader.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() - deadline > 0) {
          throw new BridgeException(
              "topic " + activeTopic + ": could not read to its end within " + catchUpTimeout);
        }
        for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(100))) {
          String id = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
          open.remove(id); // keeps the newest record per alert id last
          if (r.value() != null) {
            open.put(id, r);
          }
        }
      }
      for (ConsumerRecord<byte[], byte[]> r : open.values()) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        bootstrapping.merge(tp, r.offset() + 1, Math::max);
        intake(r);
      }
      LOG.info(
          "bridge {}: no committed offsets; {} alerts open in {}, then {} from {}",
          config.name(),
          open.size(),
          activeTopic,
          config.topic(),
          startAt);
    }
  }

  /** Whether the open alerts read at start are all finished (delivered, skipped or rejected). */
  private boolean bootstrapped() {
    if (bootstrapping.isEmpty()) {
      return true;
    }
    Map<TopicPartition, OffsetAndMetadata> progress = scheduler.committable();
    for (Map.Entry<TopicPartition, Long> e : bootstrapping.entrySet()) {
      OffsetAndMetadata o = progress.get(e.getKey());
      if (o == null || o.offset() < e.getValue()) {
        return false;
      }
    }
    scheduler.dropPartitions(bootstrapping.keySet());
    bootstrapping.clear();
    return true;
  }

  private List<TopicPartition> partitionsOf(KafkaConsumer<byte[], byte[]> c, String topic) {
    List<PartitionInfo> infos = c.partitionsFor(topic, catchUpTimeout);
    List<TopicPartition> out = new ArrayList<>();
    if (infos != null) {
      infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
    }
    return out;
  }

  /** Runs until {@code stopping} is set, then commits what is finished. */
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
    view.updateLag(consumer::currentLag);
    deliverDue();
    resendDue();
    commitFinished(consumer.assignment());
    view.pending(scheduler.pending());
  }

  private Duration pollWait(Instant now) {
    Instant next = scheduler.nextWakeUp(now);
    Instant resend = resends.map(AlertmanagerResends::nextWakeUp).orElse(null);
    if (resend != null && (next == null || resend.isBefore(next))) {
      next = resend;
    }
    if (next == null) {
      return MAX_IDLE;
    }
    Duration d = Duration.between(now, next);
    return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_IDLE) > 0 ? MAX_IDLE : d;
  }

  private void applyBackPressure() {
    boolean wasPaused = backPressure.paused();
    switch (backPressure.update(scheduler.pending())) {
      case PAUSE -> {
        if (!wasPaused) {
          LOG.warn(
              "bridge {}: {} alerts waiting for {}; pausing consumption until half have gone out",
              config.name(),
              scheduler.pending(),
              config.destination().wire());
        }
        consumer.pause(consumer.assignment());
      }
      case RESUME -> {
        consumer.resume(consumer.paused());
        LOG.info("bridge {}: resuming consumption", config.name());
      }
      case NONE -> {}
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
      deadLetters.write(r, reason);
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

  /** One request: one alert to any sink, several (a Slack group) to a sink that batches. */
  private DeliveryResult send(List<Alert> alerts) {
    if (alerts.size() == 1) {
      return sink.deliver(alerts.get(0));
    }
    return batchSink
        .orElseThrow(
            () ->
                new IllegalStateException(
                    alerts.size() + " alerts grouped for a destination that takes one at a time"))
        .deliverAll(alerts);
  }

  private void deliver(List<PendingAlert> batch) {
    List<Alert> alerts = batch.stream().map(PendingAlert::alert).toList();
    stats.requests.incrementAndGet();
    DeliveryResult result;
    try {
      result = send(alerts);
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
        resends.ifPresent(r -> r.delivered(p.alert(), p.partition().partition()));
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
      deadLetters.write(p.source(), rj.reason());
      ledgerTopic.record(
          p.alert().alertId(),
          DeliveryLedger.Entry.of(
              p.alert(), DeliveryLedger.Outcome.DEAD_LETTERED, p.partition().partition()));
      resends.ifPresent(r -> r.dropped(p.alert().alertId()));
      LOG.error(
          "{} rejected {}: {}; sent to {}, continuing with the next alert",
          dest,
          p,
          redactor.redact(rj.reason()),
          config.dlqTopic());
      scheduler.completed(batch);
    }
  }

  private void resendDue() {
    if (resends.isEmpty() || stopping.get()) {
      return;
    }
    Instant now = clock.instant();
    DeliveryResult.RateLimited rl = resends.get().resendDue(now, scheduler.gated(now));
    if (rl != null) {
      scheduler.rateLimited(rl.retryAfter(), clock.instant());
    }
  }

  /**
   * Commits what is finished; dead-letter copies are made durable first, so none is lost to a
   * crash.
   */
  private void commitFinished(Collection<TopicPartition> owned) {
    if (!bootstrapped()) {
      return; // committing now could lose an open alert not yet delivered to a crash
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(scheduler.committable());
    offsets.keySet().retainAll(new HashSet<>(owned));
    startUncommitted.forEach(
        (tp, from) -> {
          if (owned.contains(tp)) {
            offsets.putIfAbsent(tp, new OffsetAndMetadata(from));
          }
        });
    if (offsets.isEmpty()) {
      return;
    }
    deadLetters.confirm();
    try {
      consumer.commitSync(offsets);
      scheduler.committed(offsets);
      startUncommitted.keySet().removeAll(offsets.keySet());
    } catch (CommitFailedException | RebalanceInProgressException e) {
      LOG.warn(
          "bridge {}: commit failed during a rebalance ({}); the records will be redelivered and"
              + " skipped",
          config.name(),
          e.getMessage());
    }
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    commitFinished(partitions);
    forget(partitions);
    view.removed(partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    forget(partitions);
    view.removed(partitions);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      Long from = startAt.remove(tp);
      if (from != null) {
        consumer.seek(tp, from); // where the open alerts were read: nothing in between is lost
        startUncommitted.put(tp, from);
      }
    }
    if (!partitions.isEmpty()) {
      // Another instance may have finished alerts of these partitions since we last read the
      // ledger.
      ledgerTopic.catchUp(catchUpTimeout);
      resends.ifPresent(r -> r.assigned(partitions, ledger));
      LOG.info("bridge {}: assigned {}", config.name(), partitions);
    }
    view.assigned(partitions);
  }

  private void forget(Collection<TopicPartition> partitions) {
    scheduler.dropPartitions(partitions);
    resends.ifPresent(r -> r.revoked(partitions));
  }
}
