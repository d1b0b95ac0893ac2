package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class DeliverySchedulerTest {

  private static final TopicPartition P0 = new TopicPartition("trainwatch.alerts", 0);
  private static final TopicPartition P1 = new TopicPartition("trainwatch.alerts", 1);
  private static final RetryPolicy RETRY =
      new RetryPolicy(
          3,
          Duration.ofSeconds(1),
          Duration.ofSeconds(8),
          Duration.ofMinutes(5),
          Duration.ofSeconds(2));

  private final DeliveryLedger ledger = new DeliveryLedger();
  private final Instant t0 = Instant.parse("2026-11-26T10:00:00Z");
  private long nextOffset;

  @Test
  void shouldDeliverTheEmissionsOfOneAlertInOrder() {
    DeliveryScheduler s = scheduler(null, null);
    Alert trigger = TestAlerts.firing("run-1");
    PendingAlert r1 = offer(s, P0, trigger);
    PendingAlert r2 = offer(s, P0, TestAlerts.resolved(trigger));

    assertThat(s.next(t0).batch()).containsExactly(r1);
    assertThat(s.next(t0).batch())
        .as("the resolve waits for its trigger's outcome")
        .containsExactly(r1);
    s.completed(List.of(r1));
    assertThat(s.next(t0).batch()).containsExactly(r2);
    s.completed(List.of(r2));
    assertThat(s.next(t0).batch()).isEmpty();
    assertThat(s.pending()).isZero();
    assertThat(s.nextWakeUp(t0)).isNull();
  }

  @Test
  void shouldKeepDeliveringOtherAlertsWhileOneFails() {
    DeliveryScheduler s = scheduler(null, null);
    PendingAlert a = offer(s, P0, TestAlerts.firing("run-a"));
    PendingAlert b = offer(s, P0, TestAlerts.firing("run-b"));
    PendingAlert c = offer(s, P1, TestAlerts.firing("run-c"));

    assertThat(s.next(t0).batch()).containsExactly(a);
    s.failed(List.of(a), t0);
    assertThat(s.next(t0).batch()).containsExactly(b);
    s.completed(List.of(b));
    assertThat(s.next(t0).batch()).containsExactly(c);
    s.completed(List.of(c));
    assertThat(s.next(t0).batch()).as("a is backing off").isEmpty();
    Instant retryAt = s.nextWakeUp(t0);
    assertThat(retryAt).isBetween(t0.plusMillis(500), t0.plusSeconds(1));
    assertThat(s.next(retryAt).batch()).containsExactly(a);
  }

  @Test
  void shouldBackOffExponentiallyThenParkAndStartANewRound() {
    DeliveryScheduler s = scheduler(null, null);
    PendingAlert a = offer(s, P0, TestAlerts.firing("run-a"));
    Instant now = t0;

    assertThat(s.failed(List.of(s.next(now).batch().get(0)), now)).isEmpty();
    Instant second = s.nextWakeUp(now);
    assertThat(Duration.between(now, second))
        .isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
    now = second;
    assertThat(s.failed(s.next(now).batch(), now)).isEmpty();
    Instant third = s.nextWakeUp(now);
    assertThat(Duration.between(now, third))
        .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    now = third;
    assertThat(s.failed(s.next(now).batch(), now))
        .as("third failure of 3 parks it")
        .containsExactly(a);
    assertThat(s.nextWakeUp(now)).isEqualTo(now.plus(RETRY.parkInterval()));
    assertThat(s.next(now.plus(RETRY.parkInterval()).minusMillis(1)).batch()).isEmpty();
    now = now.plus(RETRY.parkInterval());
    assertThat(s.next(now).batch()).containsExactly(a);
    s.failed(List.of(a), now);
    assertThat(Duration.between(now, s.nextWakeUp(now)))
        .as("a new round starts with a short backoff")
        .isLessThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void shouldSendOnlyTheNewestEmissionOfAnAlertWhoseDeliveryFails() {
    DeliveryScheduler s = scheduler(null, null);
    Alert trigger = TestAlerts.firing("run-1");
    PendingAlert r1 = offer(s, P0, trigger);
    s.failed(s.next(t0).batch(), t0);
    PendingAlert r2 = offer(s, P0, TestAlerts.resolved(trigger));

    Instant retryAt = s.nextWakeUp(t0);
    DeliveryScheduler.Selection sel = s.next(retryAt);

    assertThat(sel.batch()).containsExactly(r2);
    assertThat(sel.superseded()).containsExactly(r1);
    s.completed(sel.batch());
    assertThat(s.next(retryAt.plusSeconds(60)).batch())
        .as("the stale trigger never goes out")
        .isEmpty();
    assertThat(s.committable()).containsEntry(P0, new OffsetAndMetadata(2));
  }

  @Test
  void shouldDropEmissionsTheLedgerHasAlreadyFinished() {
    DeliveryScheduler s = scheduler(null, null);
    Alert trigger = TestAlerts.firing("run-1");
    Alert resolve = TestAlerts.resolved(trigger);
    Alert again = TestAlerts.refiring(resolve);
    ledger.apply(
        trigger.alertId(), DeliveryLedger.Entry.of(resolve, DeliveryLedger.Outcome.DELIVERED, 0));
    PendingAlert r1 = offer(s, P0, trigger);
    PendingAlert r2 = offer(s, P0, resolve);
    PendingAlert r3 = offer(s, P0, again);

    DeliveryScheduler.Selection sel = s.next(t0);

    assertThat(sel.alreadyFinished()).containsExactly(r1, r2);
    assertThat(sel.batch()).containsExactly(r3);
  }

  @Test
  void shouldCommitOnlyUpToTheOldestUnfinishedRecord() {
    DeliveryScheduler s = scheduler(null, null);
    PendingAlert a = offer(s, P0, TestAlerts.firing("run-a"));
    PendingAlert b = offer(s, P0, TestAlerts.firing("run-b"));
    s.passOver(P0, nextOffset++);

    assertThat(s.committable()).containsExactlyEntriesOf(Map.of(P0, new OffsetAndMetadata(0)));
    s.next(t0);
    s.failed(List.of(a), t0);
    s.completed(List.of(s.next(t0).batch().get(0)));
    assertThat(s.committable())
        .as("b is done but a is not")
        .containsEntry(P0, new OffsetAndMetadata(0));
    s.committed(s.committable());
    assertThat(s.committable()).isEmpty();
    s.completed(s.next(s.nextWakeUp(t0)).batch());
    assertThat(s.committable()).containsExactlyEntriesOf(Map.of(P0, new OffsetAndMetadata(3)));
    assertThat(b.offset()).isEqualTo(1);
  }

  @Test
  void shouldStopAllRequestsUntilRetryAfterHasPassed() {
    DeliveryScheduler s = scheduler(null, null);
    offer(s, P0, TestAlerts.firing("run-a"));
    offer(s, P0, TestAlerts.firing("run-b"));

    assertThat(s.rateLimited(Duration.ofSeconds(7), t0)).isEqualTo(Duration.ofSeconds(7));

    assertThat(s.gated(t0.plusSeconds(6))).isTrue();
    assertThat(s.next(t0.plusSeconds(6)).batch()).isEmpty();
    assertThat(s.nextWakeUp(t0)).isEqualTo(t0.plusSeconds(7));
    assertThat(s.next(t0.plusSeconds(7)).batch()).hasSize(1);
  }

  @Test
  void shouldBackOffExponentiallyFromRepeated429sWithoutRetryAfter() {
    DeliveryScheduler s = scheduler(null, null);

    assertThat(s.rateLimited(null, t0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.rateLimited(null, t0)).isEqualTo(Duration.ofSeconds(4));
    assertThat(s.rateLimited(null, t0)).isEqualTo(Duration.ofSeconds(8));
    assertThat(s.rateLimited(null, t0))
        .as("capped by retry.max_backoff")
        .isEqualTo(Duration.ofSeconds(8));
    s.completed(List.of());
    assertThat(s.rateLimited(null, t0))
        .as("reset by an answer that is not a 429")
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void shouldPaceRequestsToTheConfiguredRate() {
    DeliveryScheduler s = scheduler(null, new TokenBucket(new RatePolicy(1, 1), t0));
    offer(s, P0, TestAlerts.firing("run-a"));
    offer(s, P0, TestAlerts.firing("run-b"));

    s.completed(s.next(t0).batch());

    assertThat(s.next(t0.plusMillis(999)).batch()).isEmpty();
    assertThat(s.nextWakeUp(t0.plusMillis(999))).isEqualTo(t0.plusSeconds(1));
    assertThat(s.next(t0.plusSeconds(1)).batch()).hasSize(1);
  }

  @Test
  void shouldGroupABurstForOneJobOnceTheWindowHasPassed() {
    DeliveryScheduler s =
        scheduler(new DeliveryScheduler.Grouping(Duration.ofSeconds(2), 10), null);
    PendingAlert a = offer(s, P0, TestAlerts.firing("run-a", "nan_loss", Severity.ERROR, "cifar"));
    PendingAlert b = offer(s, P0, TestAlerts.firing("run-b", "nan_loss", Severity.ERROR, "cifar"));
    PendingAlert c =
        offer(s, P0, TestAlerts.firing("run-c", "nan_loss", Severity.ERROR, "imagenet"));

    assertThat(s.next(t0).batch()).isEmpty();
    assertThat(s.nextWakeUp(t0)).isEqualTo(t0.plusSeconds(2));
    PendingAlert late =
        offer(s, P0, TestAlerts.firing("run-d", "nan_loss", Severity.ERROR, "cifar"));
    Instant due = t0.plusSeconds(2);
    List<PendingAlert> first = s.next(due).batch();
    s.completed(first);
    List<PendingAlert> second = s.next(due).batch();

    assertThat(first).containsExactly(a, b, late);
    assertThat(second).containsExactly(c);
  }

  @Test
  void shouldSendGroupMembersOneByOneAfterTheGroupWasRejected() {
    DeliveryScheduler s =
        scheduler(new DeliveryScheduler.Grouping(Duration.ofSeconds(1), 10), null);
    PendingAlert a = offer(s, P0, TestAlerts.firing("run-a"));
    PendingAlert b = offer(s, P0, TestAlerts.firing("run-b"));
    Instant due = t0.plusSeconds(1);
    s.next(t0);
    List<PendingAlert> group = s.next(due).batch();
    assertThat(group).containsExactly(a, b);

    s.isolate(group);

    List<PendingAlert> first = s.next(due).batch();
    assertThat(first).hasSize(1);
    s.completed(first);
    assertThat(s.next(due).batch()).hasSize(1).doesNotContainAnyElementsOf(first);
  }

  @Test
  void shouldForgetRevokedPartitions() {
    DeliveryScheduler s = scheduler(null, null);
    offer(s, P0, TestAlerts.firing("run-a"));
    PendingAlert b = offer(s, P1, TestAlerts.firing("run-b"));

    s.dropPartitions(List.of(P0));

    assertThat(s.pending()).isEqualTo(1);
    assertThat(s.next(t0).batch()).containsExactly(b);
    assertThat(s.committable()).containsOnlyKeys(P1);
  }

  private DeliveryScheduler scheduler(DeliveryScheduler.Grouping grouping, TokenBucket pacer) {
    return new DeliveryScheduler(RETRY, grouping, pacer, ledger, new SplittableRandom(1));
  }

  private PendingAlert offer(DeliveryScheduler s, TopicPartition tp, Alert a) {
    ConsumerRecord<byte[], byte[]> r =
        new ConsumerRecord<>(
            tp.topic(),
            tp.partition(),
            nextOffset++,
            a.alertId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            AlertCodec.encode(a));
    PendingAlert p = new PendingAlert(tp, a, r);
    s.offer(p);
    return p;
  }
}
