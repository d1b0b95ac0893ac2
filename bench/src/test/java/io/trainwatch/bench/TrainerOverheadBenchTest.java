package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.trainwatch.bench.TrainerOverheadBench.Setup;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerOverheadBenchTest {

  @Test
  void shouldCompareEachBlockWithTheNoListenerBlockOfItsOwnRound() {
    // The machine got twice as busy in round 2: every setup slowed down together.
    Map<Setup, List<Double>> blocks = new EnumMap<>(Setup.class);
    blocks.put(Setup.NO_LISTENER, List.of(10.0, 20.0, 10.0));
    blocks.put(Setup.TRAINWATCH, List.of(10.1, 20.2, 10.1));
    blocks.put(Setup.DL4J_STATS, List.of(30.0, 60.0, 30.0));

    Map<Setup, Summary> overhead = TrainerOverheadBench.overheadByRound(blocks);

    assertThat(overhead.get(Setup.TRAINWATCH).median()).isCloseTo(0.01, within(1e-9));
    assertThat(overhead.get(Setup.TRAINWATCH).max()).isCloseTo(0.01, within(1e-9));
    assertThat(overhead.get(Setup.DL4J_STATS).median()).isCloseTo(2.0, within(1e-9));
    assertThat(overhead.get(Setup.DL4J_STATS).count()).isEqualTo(3);
  }
}
