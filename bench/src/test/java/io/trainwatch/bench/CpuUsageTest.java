package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CpuUsageTest {

  @Test
  void shouldSplitTheMachinesBusyTimeBetweenThisProcessAndOthers() {
    CpuUsage.Snapshot from = new CpuUsage.Snapshot(0, 10_000, 4_000, 1_000, 1.0);
    CpuUsage.Snapshot to = new CpuUsage.Snapshot(2_000_000_000L, 10_400, 4_300, 1_200, 2.5);

    CpuUsage.Share share = CpuUsage.between("latency", from, to);

    assertThat(share.own()).isCloseTo(0.50, within(1e-9));
    assertThat(share.others()).isCloseTo(0.25, within(1e-9));
    assertThat(share.disturbed()).isTrue();
    assertThat(share.elapsed().toSeconds()).isEqualTo(2);
    assertThat(share.loadAverage1m()).isEqualTo(2.5);
  }

  @Test
  void shouldGiveNoShareWithoutCounters() {
    CpuUsage.Snapshot unknown = new CpuUsage.Snapshot(0, -1, -1, -1, -1);

    assertThat(CpuUsage.between("trainer", unknown, unknown)).isNull();
  }

  @Test
  void shouldReadThisMachinesCountersWhereProcExists() {
    if (!CpuUsage.available()) {
      return;
    }
    CpuUsage.Snapshot s = CpuUsage.take();

    assertThat(s.totalTicks()).isPositive();
    assertThat(s.busyTicks()).isBetween(0L, s.totalTicks());
    assertThat(s.ownTicks()).isNotNegative();
  }
}
