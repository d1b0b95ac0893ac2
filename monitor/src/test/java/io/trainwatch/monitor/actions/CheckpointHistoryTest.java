package io.trainwatch.monitor.actions;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.CheckpointEvent;
import org.junit.jupiter.api.Test;

class CheckpointHistoryTest {

  @Test
  void shouldKeepTheNewestAndNameTheLastGoodBeforeAnOnset() {
    CheckpointHistory h = CheckpointHistory.EMPTY;
    for (long step = 10; step <= 60; step += 10) {
      h = h.add(CheckpointEvent.of("r", step, step, "/c/" + step), 4);
    }
    assertThat(h.saved())
        .extracting(CheckpointHistory.Saved::step)
        .containsExactly(30L, 40L, 50L, 60L);
    // NaN first seen at batch 51: the weights of 50 gave it, the ones of 40 gave a healthy 41.
    assertThat(Recovery.advise(h, 51, 53, false).lastGood())
        .hasValueSatisfying(s -> assertThat(s.step()).isEqualTo(40L));
    // A hang after step 60: every checkpoint is good.
    assertThat(Recovery.advise(h, 61, 60, true).lastGood())
        .hasValueSatisfying(s -> assertThat(s.step()).isEqualTo(60L));
    // Before anything kept: none.
    assertThat(Recovery.advise(h, 31, 31, false).lastGood()).isEmpty();
    assertThat(CheckpointHistoryCodec.decode(CheckpointHistoryCodec.encode(h))).isEqualTo(h);
  }

  @Test
  void shouldForgetNewerCheckpointsWhenARunGoesBackToAnOlderOne() {
    CheckpointHistory h = CheckpointHistory.EMPTY;
    h = h.add(CheckpointEvent.of("r", 1, 10, "/c/10"), 8);
    h = h.add(CheckpointEvent.of("r", 2, 20, "/c/20"), 8);
    h = h.add(new CheckpointEvent("r", 3, 10, "/c/10", true), 8);
    assertThat(h.saved()).containsExactly(new CheckpointHistory.Saved(10, "/c/10", 3, true));
  }
}
