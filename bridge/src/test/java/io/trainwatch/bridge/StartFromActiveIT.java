package io.trainwatch.bridge;

import static io.trainwatch.bridge.KafkaFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bridge.start_from=active} (the default) on the real broker: a bridge that starts late, or
 * whose group lost its offsets, pages the alerts that fire now and nothing of the resolved history.
 */
class StartFromActiveIT {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final KafkaFixture kafka = new KafkaFixture(2);
  private final FakeHttpApi receiver = FakeHttpApi.start(FakeApis::webhook);
  private AlertBridge bridge;

  @AfterEach
  void tearDown() {
    if (bridge != null) {
      bridge.close();
    }
    receiver.close();
    kafka.close();
  }

  @Test
  void shouldPageAnIncidentOpenedBeforeTheBridgeStartedOnceAndThenWhatComesAfter() {
    Alert open = TestAlerts.firing("run-open");
    Alert over = TestAlerts.firing("run-over");
    kafka.sendAsMonitor(over, open);
    kafka.sendAsMonitor(TestAlerts.resolved(over));

    bridge = start();
    await(WAIT, "the open alert delivered", () -> receiver.accepted().size() >= 1);
    Alert later = TestAlerts.firing("run-later");
    kafka.sendAsMonitor(later, TestAlerts.resolved(open));
    await(WAIT, "the later alerts delivered", () -> receiver.accepted().size() >= 3);

    assertThat(delivered().get(0)).isEqualTo(open);
    assertThat(emissions())
        .containsExactlyInAnyOrder(
            "run-open/negative_loss@1", "run-later/negative_loss@1", "run-open/negative_loss@2");
    bridge.close(); // commits what is finished
    bridge = start(); // the group has offsets now: a restart pages nothing again
    kafka.sendAsMonitor(TestAlerts.resolved(later));
    await(WAIT, "the last resolve delivered", () -> receiver.accepted().size() == 4);
    assertThat(emissions()).hasSize(4).doesNotHaveDuplicates();
  }

  @Test
  void shouldPageTheStillOpenAlertButNoResolvedOneWhenTheGroupsOffsetsWereDeleted()
      throws Exception {
    // The bridge ran before: it paged one alert, and its group committed offsets.
    Alert before = TestAlerts.firing("run-before");
    kafka.sendAsMonitor(before);
    bridge = start();
    await(WAIT, "the first alert delivered", () -> receiver.accepted().size() == 1);
    // Once the open alerts are finished, the group commits where it started on the alerts topic.
    await(WAIT, "the start committed", () -> kafka.committedOffsets() > 0);
    bridge.close();
    bridge = null;

    // While the bridge is down: one incident opens and closes, another opens.
    Alert flap = TestAlerts.firing("run-flap");
    Alert open = TestAlerts.firing("run-open");
    kafka.sendAsMonitor(flap, open);
    kafka.sendAsMonitor(TestAlerts.resolved(flap));
    kafka.deleteGroupOffsets();
    assertThat(kafka.committedOffsets()).isZero();

    bridge = start();
    await(WAIT, "the open alert delivered", () -> receiver.accepted().size() >= 2);
    Alert after = TestAlerts.firing("run-after");
    kafka.sendAsMonitor(after);
    await(WAIT, "the next alert delivered", () -> receiver.accepted().size() >= 3);

    // The still-open alert once; nothing of the resolved incident, and the alert delivered before
    // the loss (still open) not again: its revision is in the bridge's ledger.
    assertThat(delivered()).containsExactly(before, open, after);
    assertThat(bridge.stats().duplicates()).isEqualTo(1);
  }

  private List<Alert> delivered() {
    return receiver.accepted().stream().map(r -> AlertCodec.decode(r.body())).toList();
  }

  /** Delivered emissions as alert id and revision. */
  private List<String> emissions() {
    return delivered().stream().map(a -> a.alertId() + "@" + a.revision()).toList();
  }

  private AlertBridge start() {
    Map<String, String> c = new HashMap<>(kafka.baseConfig());
    c.remove("bridge.start_from"); // the default: active
    c.put("webhook.url", receiver.url("/hooks/trainwatch"));
    return AlertBridge.create(
            BridgeConfig.parse(c, Map.of(), Destination.WEBHOOK), kafka.kafkaProps())
        .start();
  }
}
