package io.trainwatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.RankFault;
import io.trainwatch.simulator.SimulatedFleet.Job;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimulatedFleetTest {

  @Test
  void shouldPutEachStragglerOfASweepInItsOwnJobOnItsOwnHosts() {
    SimulatedFleet.Spec spec = new SimulatedFleet.Spec(60, 8, 64, 11, false);
    SimulatedFleet fleet = SimulatedFleet.withStragglers(spec, 24, 1.05);

    List<Job> slow = fleet.jobs().stream().filter(j -> !j.healthy()).toList();
    assertThat(slow).hasSize(24);
    Set<String> hosts = new HashSet<>();
    Set<Integer> ranks = new HashSet<>();
    for (Job j : slow) {
      assertThat(j.fault().kind()).isEqualTo(RankFault.SLOW_COMPUTE);
      assertThat(j.fault().factor()).isEqualTo(1.05);
      assertThat(j.fault().onsetStep()).isBetween(40, 60);
      assertThat(j.attempts()).hasSize(1);
      for (String h : new HashSet<>(j.hosts())) {
        assertThat(hosts.add(h)).as("host %s in two stragglers' jobs", h).isTrue();
      }
      ranks.add(j.fault().rank());
    }
    assertThat(ranks).as("ranks chosen at random").hasSizeGreaterThan(4);
    assertThat(fleet.badHost()).isNull();
    // Deterministic for a seed.
    assertThat(SimulatedFleet.withStragglers(spec, 24, 1.05).events())
        .hasSameSizeAs(fleet.events());
  }

  @Test
  void shouldRefuseStragglersInAFleetWithFaults() {
    assertThatThrownBy(
            () ->
                SimulatedFleet.withStragglers(new SimulatedFleet.Spec(60, 8, 64, 1, true), 4, 1.05))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
