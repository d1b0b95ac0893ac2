package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeliveryLedgerTest {

  private final DeliveryLedger ledger = new DeliveryLedger();
  private final Alert trigger = TestAlerts.firing("run-1");
  private final Alert resolve = TestAlerts.resolved(trigger);

  @Test
  void shouldSettleTheRecordedRevisionAndEveryEarlierOne() {
    ledger.apply(
        trigger.alertId(), DeliveryLedger.Entry.of(resolve, DeliveryLedger.Outcome.DELIVERED, 0));

    assertThat(ledger.settled(trigger.alertId(), 1)).as("stale trigger").isTrue();
    assertThat(ledger.settled(trigger.alertId(), 2)).as("the resolve itself").isTrue();
    assertThat(ledger.settled(trigger.alertId(), 3)).as("a new firing").isFalse();
    assertThat(ledger.settled("other/rule", 1)).isFalse();
  }

  @Test
  void shouldNeverGoBackToAnOlderRevision() {
    ledger.apply(
        trigger.alertId(), DeliveryLedger.Entry.of(resolve, DeliveryLedger.Outcome.DELIVERED, 0));
    ledger.apply(
        trigger.alertId(), DeliveryLedger.Entry.of(trigger, DeliveryLedger.Outcome.DELIVERED, 0));

    assertThat(ledger.get(trigger.alertId()).revision()).isEqualTo(2);
    assertThat(ledger.get(trigger.alertId()).status()).isEqualTo(AlertStatus.RESOLVED);
  }

  @Test
  void shouldKnowWhichAlertsAreFiringAtTheDestinationPerPartition() {
    Alert other = TestAlerts.firing("run-2");
    Alert rejected = TestAlerts.firing("run-3");
    ledger.apply(
        trigger.alertId(), DeliveryLedger.Entry.of(trigger, DeliveryLedger.Outcome.DELIVERED, 0));
    ledger.apply(
        other.alertId(), DeliveryLedger.Entry.of(other, DeliveryLedger.Outcome.DELIVERED, 1));
    ledger.apply(
        rejected.alertId(),
        DeliveryLedger.Entry.of(rejected, DeliveryLedger.Outcome.DEAD_LETTERED, 0));

    assertThat(ledger.activeIn(Set.of(0))).containsOnlyKeys(trigger.alertId());
    assertThat(ledger.activeIn(Set.of(0, 1))).containsOnlyKeys(trigger.alertId(), other.alertId());
    ledger.apply(
        trigger.alertId(), DeliveryLedger.Entry.of(resolve, DeliveryLedger.Outcome.DELIVERED, 0));
    assertThat(ledger.activeIn(Set.of(0))).isEmpty();
  }

  @Test
  void shouldRoundTripEntriesThroughTheStateTopicFormat() {
    DeliveryLedger.Entry firing =
        DeliveryLedger.Entry.of(trigger, DeliveryLedger.Outcome.DELIVERED, 3);
    DeliveryLedger.Entry dead =
        DeliveryLedger.Entry.of(resolve, DeliveryLedger.Outcome.DEAD_LETTERED, 3);

    assertThat(DeliveryLedger.Entry.fromJson(firing.toJson())).isEqualTo(firing);
    assertThat(DeliveryLedger.Entry.fromJson(dead.toJson())).isEqualTo(dead);
    assertThat(new String(dead.toJson(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"revision\":2,\"status\":\"resolved\",\"outcome\":\"dead_lettered\",\"partition\":3}");
    assertThatThrownBy(() -> DeliveryLedger.Entry.fromJson("{}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageStartingWith("not a ledger entry");
  }
}
