package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PublisherStatsTest {

  @Test
  void shouldCountWhatIsNeitherDeliveredNorLostAsPending() {
    PublisherStats s = new PublisherStats(10, 5, 2, 1);

    assertThat(s.pending()).isEqualTo(2);
    assertThat(s.lost()).isEqualTo(3);
  }

  @Test
  void shouldRejectNegativeCounters() {
    assertThatThrownBy(() -> new PublisherStats(1, -1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delivered=-1");
  }
}
