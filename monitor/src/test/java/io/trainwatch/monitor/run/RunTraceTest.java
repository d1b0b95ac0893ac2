package io.trainwatch.monitor.run;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunTraceTest {

  @Test
  void shouldKeepBetweenHalfAndAllOfTheBudgetEvenlySpacedFromTheFirstBatchToTheLatest() {
    RunTrace t = new RunTrace();
    for (long i = 0; i < 100_000; i++) {
      t.observe(i, batch("r", i * 3).loss(2.0 - i * 1e-5).build());
      List<RunTrace.Point> points = t.points();
      if (i % 997 == 0 || i < 200) {
        assertThat(points.size())
            .isBetween(Math.min((int) i + 1, RunTrace.MAX_POINTS / 2), RunTrace.MAX_POINTS);
        assertThat(points.get(0).index()).isZero();
        long stride = RunTrace.strideFor(i);
        for (int k = 0; k < points.size(); k++) {
          assertThat(points.get(k).index()).isEqualTo(k * stride);
        }
        assertThat(i - points.get(points.size() - 1).index()).isLessThan(stride);
      }
    }
  }

  @Test
  void shouldDecideWhetherABatchIsKeptFromItsIndexAlone() {
    assertThat(RunTrace.keeps(0)).isTrue();
    assertThat(RunTrace.keeps(63)).isTrue();
    assertThat(RunTrace.keeps(64)).isTrue();
    assertThat(RunTrace.keeps(65)).isFalse();
    assertThat(RunTrace.strideFor(63)).isEqualTo(1);
    assertThat(RunTrace.strideFor(64)).isEqualTo(2);
    assertThat(RunTrace.strideFor(1_000_000)).isEqualTo(16_384);
    long kept = java.util.stream.LongStream.range(0, 1_000_000).filter(RunTrace::keeps).count();
    assertThat(kept).as("store writes for a million batches").isLessThan(1_000);
  }

  @Test
  void shouldStartOverWhenTheRunRestartsWithFreshHistory() {
    RunTrace t = new RunTrace();
    for (long i = 0; i < 10; i++) {
      t.observe(i, batch("r", i).build());
    }
    t.observe(0, batch("r", 0).loss(9).build());
    assertThat(t.points()).hasSize(1);
    assertThat(t.points().get(0).loss()).isEqualTo(9f);
  }

  @Test
  void shouldKeepOpenAlertsUntilResolvedAndABoundedListOfMarkers() {
    RunTrace t = new RunTrace();
    var spike = batch("r", 7).loss(Double.NaN).build();
    t.observe(7, spike);
    t.alert(alert("non_finite_loss", AlertStatus.FIRING, 7L, 1), spike);
    assertThat(t.openAlerts()).extracting(Alert::rule).containsExactly("non_finite_loss");
    assertThat(t.markers())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.step()).isEqualTo(7);
              assertThat(m.firing()).isTrue();
              assertThat(m.loss()).isNaN();
            });
    t.alert(alert("non_finite_loss", AlertStatus.RESOLVED, null, 2), null);
    assertThat(t.openAlerts()).isEmpty();
    assertThat(t.markers().get(1).step()).isEqualTo(-1);
    for (int i = 0; i < 40; i++) {
      t.alert(
          alert(
              "loss_plateau",
              i % 2 == 0 ? AlertStatus.FIRING : AlertStatus.RESOLVED,
              (long) i,
              i + 1),
          null);
    }
    assertThat(t.markers()).hasSize(RunTrace.MAX_MARKERS);
  }

  @Test
  void shouldRoundTripThroughItsCodecInAFewKilobytes() {
    RunTrace t = fullTrace();
    byte[] bytes = RunTraceCodec.encode(t);
    RunTrace back = RunTraceCodec.decode(bytes);
    assertThat(back.points()).isEqualTo(t.points());
    assertThat(back.markers()).hasSize(t.markers().size());
    assertThat(back.openAlerts()).isEqualTo(t.openAlerts());
    assertThat(RunTraceCodec.encode(back)).isEqualTo(bytes);
    // The figure docs/operator.md quotes: a long run's full trace, without and with an open alert.
    RunTrace noAlerts = fullTrace();
    noAlerts.alert(alert("negative_loss", AlertStatus.RESOLVED, 10L, 2), null);
    System.out.printf(
        "run-trace bytes/run: %d points, no open alert: %d bytes; with one open alert: %d bytes%n",
        t.points().size(), RunTraceCodec.encode(noAlerts).length, bytes.length);
    assertThat(bytes.length).isLessThan(8 * 1024);
  }

  private static RunTrace fullTrace() {
    RunTrace t = new RunTrace();
    for (long i = 0; i < 50_000; i++) {
      t.observe(i, batch("r", i).loss(2.0 / (1 + i)).gradNorm(0.5).build());
    }
    t.alert(alert("negative_loss", AlertStatus.FIRING, 10L, 1), batch("r", 10).build());
    return t;
  }

  private static Alert alert(String rule, AlertStatus status, Long step, int revision) {
    return new Alert(
        "r/" + rule,
        "r/" + rule + "#" + revision,
        revision,
        status,
        rule,
        Severity.CRITICAL,
        "r",
        "job",
        "r: " + rule + ": something is wrong",
        status == AlertStatus.FIRING ? "What is wrong, the evidence, the fix. ".repeat(10) : "",
        null,
        Map.of("loss", -0.12, "batches", 3L),
        step,
        Instant.ofEpochMilli(1_000),
        status == AlertStatus.FIRING ? null : Instant.ofEpochMilli(2_000),
        Map.of("team", "ml"));
  }

  @Test
  void shouldEncodeOnlyTheNewPointsYetWriteTheSameBytesAsAFreshEncoding() {
    RunTrace t = new RunTrace();
    // Two incarnations of the run: the second restarts with fresh history after 300 batches.
    long[] lengths = {300, 1_500};
    for (long length : lengths) {
      for (long i = 0; i < length; i++) {
        if (!RunTrace.keeps(i)) {
          continue;
        }
        t.observe(i, batch("r", i * 2).loss(1.0 + (i % 7) * 0.125).build());
        byte[] incremental = RunTraceCodec.encode(t);
        RunTrace fresh = RunTraceCodec.decode(incremental);
        assertThat(fresh.points()).isEqualTo(t.points());
        assertThat(fresh.lastIndex).isEqualTo(t.lastIndex);
        assertThat(RunTraceCodec.encode(fresh)).isEqualTo(incremental);
        if (i % 40 == 0) {
          // A decoded trace goes on from its own, freshly encoded points.
          t = fresh;
        }
      }
    }
  }
}
