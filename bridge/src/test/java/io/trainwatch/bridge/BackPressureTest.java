package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.bridge.BackPressure.Change;
import org.junit.jupiter.api.Test;

class BackPressureTest {

  @Test
  void shouldPauseAtTheLimitAndResumeBelowHalfOfIt() {
    BackPressure b = new BackPressure(10);

    assertThat(b.update(9)).isEqualTo(Change.NONE);
    assertThat(b.update(10)).isEqualTo(Change.PAUSE);
    assertThat(b.paused()).isTrue();
    assertThat(b.update(11)).isEqualTo(Change.PAUSE);
    assertThat(b.update(5)).isEqualTo(Change.NONE);
    assertThat(b.update(4)).isEqualTo(Change.RESUME);
    assertThat(b.paused()).isFalse();
    assertThat(b.update(4)).isEqualTo(Change.NONE);
  }

  @Test
  void shouldResumeAtZeroWhenTheLimitIsOne() {
    BackPressure b = new BackPressure(1);

    assertThat(b.update(1)).isEqualTo(Change.PAUSE);
    assertThat(b.update(0)).isEqualTo(Change.RESUME);
  }
}
