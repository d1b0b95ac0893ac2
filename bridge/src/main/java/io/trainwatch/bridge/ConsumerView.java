package io.trainwatch.bridge;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;

/**
 * What a bridge's consumer owns and holds now: the partitions of the alerts topic assigned to it,
 * how far behind their end it reads, and how many alerts it has read and not finished. Readiness
 * and the bridge's gauges report it. Written by the bridge thread (the rebalance listener, after
 * each poll), read by any thread (probes, scrapes).
 *
 * <p>Owned partitions follow the listener's calls as both rebalance protocols make them: an eager
 * rebalance revokes everything, then assigns the new set; a cooperative one revokes and assigns
 * only what moves. A bridge is ready while it owns at least one partition: after a revocation that
 * leaves it none (another member took them), it is not ready until a reassignment gives it some.
 */
final class ConsumerView {

  private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
  private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
  private final CountDownLatch firstRebalance = new CountDownLatch(1);
  private volatile int pending;

  /** The listener's {@code onPartitionsAssigned}: these are now owned too. */
  void assigned(Collection<TopicPartition> partitions) {
    owned.addAll(partitions);
    firstRebalance.countDown();
  }

  /** The listener's {@code onPartitionsRevoked} or {@code onPartitionsLost}: no longer owned. */
  void removed(Collection<TopicPartition> partitions) {
    owned.removeAll(partitions);
    lag.keySet().removeAll(partitions);
  }

  /** The consumer is closed: it owns and holds nothing. */
  void clear() {
    owned.clear();
    lag.clear();
    pending = 0;
  }

  /** Alerts read and not finished yet (waiting for delivery, a retry or the rate limit). */
  void pending(int alerts) {
    pending = alerts;
  }

  /** Alerts read and not finished yet, as of the bridge's last iteration. */
  int pending() {
    return pending;
  }

  /** The partitions owned now (a copy). */
  Set<TopicPartition> owned() {
    return Set.copyOf(owned);
  }

  /** {@code true} if the consumer owns at least one partition now, {@code false} otherwise. */
  boolean ready() {
    return !owned.isEmpty();
  }

  /**
   * {@code true} once the group has completed a first rebalance for this consumer (even one that
   * gave it nothing), {@code false} if not within {@code timeout}.
   */
  boolean awaitFirstRebalance(Duration timeout) throws InterruptedException {
    return firstRebalance.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Takes each owned partition's lag from {@code currentLag} (the consumer's own figure from its
   * last fetch, no request): a partition whose end is not known yet keeps its last value.
   */
  void updateLag(Function<TopicPartition, OptionalLong> currentLag) {
    Map<TopicPartition, Long> now = new HashMap<>();
    for (TopicPartition tp : owned) {
      OptionalLong l = currentLag.apply(tp);
      if (l.isPresent()) {
        now.put(tp, l.getAsLong());
      }
    }
    lag.putAll(now);
  }

  /**
   * Records between the consumer's position and the end of the partitions it owns (the last stable
   * offset: it reads committed records only), summed; 0 when it owns none.
   */
  long lag() {
    long sum = 0;
    for (long l : lag.values()) {
      sum += l;
    }
    return sum;
  }
}
