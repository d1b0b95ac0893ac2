package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Decides what to deliver next and which offsets may be committed; no I/O, time comes from the
 * caller.
 *
 * <ul>
 *   <li>One queue per alert_id: emissions of one alert go out strictly in order, so a resolve never
 *       overtakes its trigger, while a failing alert never holds up the others (they are served
 *       round-robin).
 *   <li>A failing alert backs off, then is parked for a while; newer emissions of it queue behind,
 *       and once its delivery has failed, only the newest emission is kept: the API gets the latest
 *       state when it is reachable, never a stale trigger after the resolve.
 *   <li>An emission whose revision the {@link DeliveryLedger} already holds is dropped without a
 *       request.
 *   <li>A 429 closes a gate for the whole destination; a token bucket paces requests to the
 *       documented rate.
 *   <li>The committable offset of a partition is its lowest unfinished offset, so a crash
 *       redelivers everything unfinished and nothing is lost.
 * </ul>
 */
final class DeliveryScheduler {

  /**
   * Collects a burst of alerts for one job into one message (Slack).
   *
   * @param window how long the first alert of a burst waits for company
   * @param maxAlerts most alerts in one message
   */
  record Grouping(Duration window, int maxAlerts) {
    Grouping {
      if (window == null || window.isZero() || window.isNegative()) {
        throw new IllegalArgumentException("window=" + window + ": must be > 0");
      }
      if (maxAlerts < 2) {
        throw new IllegalArgumentException("maxAlerts=" + maxAlerts + ": must be >= 2");
      }
    }

    String key(Alert a) {
      return a.job() != null ? "job:" + a.job() : "run:" + a.runId();
    }
  }

  /**
   * What {@link #next} decided.
   *
   * @param batch the emissions to send now in one request (empty: nothing is due)
   * @param alreadyFinished emissions dropped because the ledger holds their revision or a later one
   * @param superseded emissions dropped because a newer emission of the same failing alert replaces
   *     them
   */
  record Selection(
      List<PendingAlert> batch,
      List<PendingAlert> alreadyFinished,
      List<PendingAlert> superseded) {}

  private static final class KeyQueue {
    final ArrayDeque<PendingAlert> items = new ArrayDeque<>();
    Instant notBefore = Instant.MIN;
    int attempts;
    boolean failing;
  }

  private static final class PartitionProgress {
    long next = -1;
    final TreeSet<Long> open = new TreeSet<>();
    long committed = -1;

    long committable() {
      return open.isEmpty() ? next : open.first();
    }
  }

  private final Map<String, KeyQueue> keys = new LinkedHashMap<>();
  private final Map<TopicPartition, PartitionProgress> partitions = new HashMap<>();
  private final Map<String, Instant> groupsOpenedAt = new HashMap<>();
  private final RetryPolicy retry;
  private final Grouping grouping;
  private final TokenBucket pacer;
  private final DeliveryLedger ledger;
  private final RandomGenerator random;
  private Instant gateUntil = Instant.MIN;
  private int consecutiveRateLimits;
  private int pending;

  /**
   * @param grouping {@code null} to send every emission on its own
   * @param pacer {@code null} for no pacing
   */
  DeliveryScheduler(
      RetryPolicy retry,
      Grouping grouping,
      TokenBucket pacer,
      DeliveryLedger ledger,
      RandomGenerator random) {
    this.retry = retry;
    this.grouping = grouping;
    this.pacer = pacer;
    this.ledger = ledger;
    this.random = random;
  }

  /** A record finished at intake (filtered, unreadable, a tombstone): only its offset moves on. */
  void passOver(TopicPartition tp, long offset) {
    PartitionProgress p = partitions.computeIfAbsent(tp, k -> new PartitionProgress());
    p.next = Math.max(p.next, offset + 1);
  }

  /** Queues an emission behind earlier emissions of the same alert. */
  void offer(PendingAlert a) {
    PartitionProgress p = partitions.computeIfAbsent(a.partition(), k -> new PartitionProgress());
    p.open.add(a.offset());
    p.next = Math.max(p.next, a.offset() + 1);
    keys.computeIfAbsent(a.alert().alertId(), k -> new KeyQueue()).items.add(a);
    pending++;
  }

  /**
   * What to send at {@code now}; call {@link #completed}, {@link #failed}, {@link #rateLimited}
   * with the outcome.
   */
  Selection next(Instant now) {
    List<PendingAlert> finished = new ArrayList<>();
    List<PendingAlert> superseded = new ArrayList<>();
    if (now.isBefore(gateUntil) || pacer != null && pacer.availableAt(now).isAfter(now)) {
      return new Selection(List.of(), finished, superseded);
    }
    List<KeyQueue> ready = new ArrayList<>();
    for (Iterator<KeyQueue> it = keys.values().iterator(); it.hasNext(); ) {
      KeyQueue q = it.next();
      if (q.notBefore.isAfter(now)) {
        continue;
      }
      settle(q, finished, superseded);
      if (q.items.isEmpty()) {
        it.remove();
      } else {
        ready.add(q);
      }
    }
    List<PendingAlert> batch = pick(ready, now);
    if (!batch.isEmpty()) {
      if (pacer != null) {
        pacer.take(now);
      }
      for (PendingAlert a : batch) {
        // Round-robin: the alert just served goes to the back of the line.
        String id = a.alert().alertId();
        keys.put(id, keys.remove(id));
      }
    }
    return new Selection(batch, finished, superseded);
  }

  /**
   * The batch is finished (delivered, or dead-lettered): the next emission of each alert may go.
   */
  void completed(List<PendingAlert> batch) {
    for (PendingAlert a : batch) {
      KeyQueue q = keys.get(a.alert().alertId());
      if (q == null || q.items.peek() != a) {
        continue; // its partition was revoked meanwhile
      }
      q.items.poll();
      q.attempts = 0;
      q.failing = false;
      q.notBefore = Instant.MIN;
      finish(a);
      if (q.items.isEmpty()) {
        keys.remove(a.alert().alertId());
      }
    }
    consecutiveRateLimits = 0;
  }

  /**
   * The batch failed transiently: each alert backs off, or is parked once it has used up its
   * attempts.
   *
   * @return the emissions parked by this failure
   */
  List<PendingAlert> failed(List<PendingAlert> batch, Instant now) {
    List<PendingAlert> parked = new ArrayList<>();
    for (PendingAlert a : batch) {
      KeyQueue q = keys.get(a.alert().alertId());
      if (q == null) {
        continue;
      }
      q.failing = true;
      q.attempts++;
      if (q.attempts >= retry.maxAttempts()) {
        q.attempts = 0;
        q.notBefore = now.plus(retry.parkInterval());
        parked.add(a);
      } else {
        q.notBefore = now.plus(retry.backoff(q.attempts, random));
      }
    }
    consecutiveRateLimits = 0;
    return parked;
  }

  /**
   * The destination answered 429: nothing goes to it until the wait is over. Not an attempt of the
   * alert: the API is healthy and only asks for patience.
   *
   * @param retryAfter the API's {@code Retry-After}, or {@code null} to back off exponentially
   * @return the wait chosen
   */
  Duration rateLimited(Duration retryAfter, Instant now) {
    consecutiveRateLimits++;
    Duration wait = retryAfter != null ? retryAfter : retry.rateLimitWait(consecutiveRateLimits);
    gateUntil = now.plus(wait);
    return wait;
  }

  /**
   * The grouped message was rejected: send these alerts one by one to find the one the API refuses.
   */
  void isolate(List<PendingAlert> batch) {
    batch.forEach(PendingAlert::isolate);
  }

  /** When something may next be due, or {@code null} if nothing is pending. */
  Instant nextWakeUp(Instant now) {
    if (pending == 0) {
      return null;
    }
    Instant earliest = Instant.MAX;
    for (KeyQueue q : keys.values()) {
      Instant t = q.notBefore;
      PendingAlert head = q.items.peek();
      if (grouping != null && !q.failing && head != null && !head.isolated()) {
        Instant opened = groupsOpenedAt.get(grouping.key(head.alert()));
        Instant due = opened == null ? now : opened.plus(grouping.window());
        t = t.isAfter(due) ? t : due;
      }
      earliest = t.isBefore(earliest) ? t : earliest;
    }
    if (gateUntil.isAfter(earliest)) {
      earliest = gateUntil;
    }
    if (pacer != null) {
      Instant token = pacer.availableAt(now);
      earliest = token.isAfter(earliest) ? token : earliest;
    }
    return earliest;
  }

  /**
   * {@code true} if a 429 currently keeps requests from this destination, {@code false} otherwise.
   */
  boolean gated(Instant now) {
    return now.isBefore(gateUntil);
  }

  /** Offsets that may be committed and differ from the last commit. */
  Map<TopicPartition, OffsetAndMetadata> committable() {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    partitions.forEach(
        (tp, p) -> {
          long c = p.committable();
          if (c >= 0 && c != p.committed) {
            out.put(tp, new OffsetAndMetadata(c));
          }
        });
    return out;
  }

  /** Records a successful commit. */
  void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach(
        (tp, o) -> {
          PartitionProgress p = partitions.get(tp);
          if (p != null) {
            p.committed = o.offset();
          }
        });
  }

  /**
   * Forgets everything from partitions this instance no longer owns; their new owner redelivers
   * from the commit.
   */
  void dropPartitions(Collection<TopicPartition> tps) {
    Set<TopicPartition> gone = new HashSet<>(tps);
    partitions.keySet().removeAll(gone);
    for (Iterator<KeyQueue> it = keys.values().iterator(); it.hasNext(); ) {
      KeyQueue q = it.next();
      // All emissions of one alert share a key, hence a partition.
      if (!q.items.isEmpty() && gone.contains(q.items.peek().partition())) {
        pending -= q.items.size();
        it.remove();
      }
    }
  }

  /** Emissions held: queued, backing off or parked. */
  int pending() {
    return pending;
  }

  private void settle(KeyQueue q, List<PendingAlert> finished, List<PendingAlert> superseded) {
    dropFinished(q, finished);
    if (q.failing && q.items.size() > 1) {
      while (q.items.size() > 1) {
        PendingAlert old = q.items.poll();
        finish(old);
        superseded.add(old);
      }
      dropFinished(q, finished);
    }
  }

  private void dropFinished(KeyQueue q, List<PendingAlert> finished) {
    while (!q.items.isEmpty()) {
      PendingAlert head = q.items.peek();
      if (!ledger.settled(head.alert().alertId(), head.alert().revision())) {
        return;
      }
      q.items.poll();
      finish(head);
      finished.add(head);
    }
  }

  private List<PendingAlert> pick(List<KeyQueue> ready, Instant now) {
    if (ready.isEmpty()) {
      return List.of();
    }
    if (grouping == null) {
      return List.of(ready.get(0).items.peek());
    }
    Set<String> seen = new HashSet<>();
    for (KeyQueue q : ready) {
      PendingAlert head = q.items.peek();
      if (head.isolated()) {
        return List.of(head);
      }
      String group = grouping.key(head.alert());
      if (!seen.add(group)) {
        continue;
      }
      Instant opened = groupsOpenedAt.computeIfAbsent(group, g -> now);
      List<PendingAlert> members = new ArrayList<>();
      boolean retrying = false;
      boolean overflow = false;
      for (KeyQueue other : ready) {
        PendingAlert h = other.items.peek();
        if (h.isolated() || !group.equals(grouping.key(h.alert()))) {
          continue;
        }
        if (members.size() == grouping.maxAlerts()) {
          overflow = true;
          break;
        }
        members.add(h);
        retrying |= other.failing;
      }
      if (retrying || !now.isBefore(opened.plus(grouping.window()))) {
        if (!overflow) {
          groupsOpenedAt.remove(
              group); // the rest of a too-large burst goes right after, without a new wait
        }
        return members;
      }
    }
    return List.of();
  }

  private void finish(PendingAlert a) {
    PartitionProgress p = partitions.get(a.partition());
    if (p != null) {
      p.open.remove(a.offset());
    }
    pending--;
  }
}
