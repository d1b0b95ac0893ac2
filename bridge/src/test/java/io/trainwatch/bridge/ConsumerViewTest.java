package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ConsumerViewTest {

  private static final TopicPartition P0 = new TopicPartition("trainwatch.alerts", 0);
  private static final TopicPartition P1 = new TopicPartition("trainwatch.alerts", 1);

  private final ConsumerView view = new ConsumerView();

  @Test
  void shouldBeReadyOnlyWhileItOwnsPartitionsThroughEagerRebalances() throws Exception {
    assertThat(view.ready()).isFalse();
    assertThat(view.awaitFirstRebalance(Duration.ZERO)).isFalse();

    view.assigned(List.of(P0, P1));
    assertThat(view.ready()).isTrue();
    assertThat(view.awaitFirstRebalance(Duration.ZERO)).isTrue();

    // A second member joins: everything is revoked, then this member gets nothing.
    view.removed(List.of(P0, P1));
    assertThat(view.ready()).isFalse();
    view.assigned(List.of());
    assertThat(view.ready()).as("revoked and given nothing back").isFalse();
    assertThat(view.owned()).isEmpty();

    // The other member leaves: reassigned.
    view.assigned(List.of(P0, P1));
    assertThat(view.ready()).isTrue();
    assertThat(view.owned()).containsExactlyInAnyOrder(P0, P1);
  }

  @Test
  void shouldFollowCooperativeRebalancesThatMoveOnlySomePartitions() {
    view.assigned(List.of(P0, P1));
    view.removed(List.of(P1)); // cooperative: only what moves is revoked
    view.assigned(List.of()); // and nothing new comes
    assertThat(view.owned()).containsExactly(P0);
    assertThat(view.ready()).isTrue();

    view.removed(List.of(P0)); // lost (session timeout) or revoked
    assertThat(view.ready()).isFalse();
  }

  @Test
  void shouldSumTheLagOfOwnedPartitionsAndKeepTheLastKnownValue() {
    view.assigned(List.of(P0, P1));
    view.updateLag(tp -> OptionalLong.of(Map.of(P0, 7L, P1, 5L).get(tp)));
    assertThat(view.lag()).isEqualTo(12);

    // P1's end is unknown at this poll (no fetch response since): its last value stays.
    view.updateLag(tp -> tp.equals(P0) ? OptionalLong.of(0) : OptionalLong.empty());
    assertThat(view.lag()).isEqualTo(5);

    view.removed(List.of(P1));
    assertThat(view.lag()).as("a revoked partition is another member's lag").isZero();
  }

  @Test
  void shouldOwnAndHoldNothingOnceClosed() {
    view.assigned(List.of(P0));
    view.updateLag(tp -> OptionalLong.of(3));
    view.pending(4);
    assertThat(view.pending()).isEqualTo(4);

    view.clear();

    assertThat(view.ready()).isFalse();
    assertThat(view.lag()).isZero();
    assertThat(view.pending()).isZero();
  }
}
