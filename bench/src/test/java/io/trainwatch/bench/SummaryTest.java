package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {

  @Test
  void shouldTakeTheMiddleValueOfAnOddCount() {
    Summary s = Summary.of(3.0, 1.0, 2.0);

    assertThat(s).isEqualTo(new Summary(2.0, 1.0, 3.0, 3));
  }

  @Test
  void shouldAverageTheTwoMiddleValuesOfAnEvenCount() {
    Summary s = Summary.of(List.of(10, 1, 4, 2));

    assertThat(s.median()).isEqualTo(3.0);
    assertThat(s.min()).isEqualTo(1.0);
    assertThat(s.max()).isEqualTo(10.0);
  }

  @Test
  void shouldFormatTheSpread() {
    assertThat(Summary.of(1.0, 2.0, 4.0).format("%.1f")).isEqualTo("2.0 (min 1.0, max 4.0, n=3)");
    assertThat(Summary.of(5.0).format("%.0f")).isEqualTo("5 (n=1)");
  }

  @Test
  void shouldRejectNoRepetitions() {
    assertThatThrownBy(Summary::of).hasMessageContaining("at least one repetition");
  }
}
