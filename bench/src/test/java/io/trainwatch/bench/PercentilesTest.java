package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class PercentilesTest {

  @Test
  void shouldUseNearestRankOnAHundredSamples() {
    long[] oneToHundredMs = LongStream.rangeClosed(1, 100).map(ms -> ms * 1_000_000).toArray();

    Percentiles p = Percentiles.ofNanos(oneToHundredMs);

    assertThat(p.p50Ms()).isEqualTo(50.0);
    assertThat(p.p99Ms()).isEqualTo(99.0);
    assertThat(p.maxMs()).isEqualTo(100.0);
    assertThat(p.count()).isEqualTo(100);
  }

  @Test
  void shouldReportTheOutlierAsP99WhenFewerThanAHundredSamples() {
    long[] samples = {1_000_000, 2_000_000, 3_000_000, 500_000_000};

    assertThat(Percentiles.ofNanos(samples).p99Ms()).isEqualTo(500.0);
    assertThat(Percentiles.ofNanos(samples).p50Ms()).isEqualTo(2.0);
  }

  @Test
  void shouldNotDependOnSampleOrder() {
    assertThat(Percentiles.ofNanos(new long[] {3, 1, 2}))
        .isEqualTo(Percentiles.ofNanos(new long[] {1, 2, 3}));
  }

  @Test
  void shouldRejectAnEmptySample() {
    assertThatThrownBy(() -> Percentiles.ofNanos(new long[0]))
        .hasMessageContaining("at least one sample");
  }
}
