package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alertmanager's bookkeeping: Alertmanager forgets a firing alert whose {@code endsAt} lease runs
 * out, so every firing alert the bridge has delivered (of the partitions it owns) is re-sent every
 * {@code alertmanager.resend_interval}, in chunks, until it resolves or is dead-lettered.
 */
final class AlertmanagerResends {

  private static final Logger LOG = LoggerFactory.getLogger(AlertmanagerResends.class);

  /** Alerts per re-send request. */
  static final int CHUNK = 500;

  private record Active(Alert alert, int partition) {}

  private final BatchSink sink;
  private final Duration interval;
  private final String destination;
  private final Redactor redactor;
  private final BridgeStats stats;
  private final Map<String, Active> active = new LinkedHashMap<>();
  private Instant nextAt;

  AlertmanagerResends(
      BatchSink sink,
      Duration interval,
      Instant now,
      String destination,
      Redactor redactor,
      BridgeStats stats) {
    this.sink = sink;
    this.interval = interval;
    this.destination = destination;
    this.redactor = redactor;
    this.stats = stats;
    this.nextAt = now.plus(interval);
  }

  /** When the next re-send is due, or {@code null} when nothing is firing. */
  Instant nextWakeUp() {
    return active.isEmpty() ? null : nextAt;
  }

  /** After a delivery: a firing alert is re-sent from now on, a resolved one no longer. */
  void delivered(Alert alert, int partition) {
    if (alert.firing()) {
      active.put(alert.alertId(), new Active(alert, partition));
    } else {
      active.remove(alert.alertId());
    }
  }

  /** After a rejection: the alert is not re-sent. */
  void dropped(String alertId) {
    active.remove(alertId);
  }

  /** Newly owned partitions: their firing alerts, as the ledger knows them, are re-sent too. */
  void assigned(Collection<TopicPartition> partitions, DeliveryLedger ledger) {
    ledger
        .activeIn(numbers(partitions))
        .forEach((id, a) -> active.put(id, new Active(a, ledger.get(id).partition())));
  }

  /** Partitions no longer owned: their alerts are another instance's to re-send. */
  void revoked(Collection<TopicPartition> partitions) {
    Set<Integer> numbers = numbers(partitions);
    active.values().removeIf(a -> numbers.contains(a.partition()));
  }

  /**
   * Re-sends every firing alert if the interval is up and the destination is not {@code gated}
   * (rate-limited); stops at the first chunk that fails and tries again an interval later.
   *
   * @return the answer to a rate-limited chunk, for the caller's pacing; {@code null} otherwise
   */
  DeliveryResult.RateLimited resendDue(Instant now, boolean gated) {
    if (now.isBefore(nextAt)) {
      return null;
    }
    nextAt = now.plus(interval);
    if (active.isEmpty() || gated) {
      return null;
    }
    List<Alert> all = active.values().stream().map(Active::alert).toList();
    for (int from = 0; from < all.size(); from += CHUNK) {
      List<Alert> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
      DeliveryResult r = sink.deliverAll(chunk);
      if (r instanceof DeliveryResult.Delivered) {
        stats.resent.addAndGet(chunk.size());
      } else {
        LOG.warn(
            "re-sending {} firing alerts to {} failed: {}; next try in {}",
            all.size(),
            destination,
            redactor.redact(reasonOf(r)),
            interval);
        return r instanceof DeliveryResult.RateLimited rl ? rl : null;
      }
    }
    LOG.debug("re-sent {} firing alerts", all.size());
    return null;
  }

  private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
    Set<Integer> numbers = new HashSet<>();
    partitions.forEach(tp -> numbers.add(tp.partition()));
    return numbers;
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
}
