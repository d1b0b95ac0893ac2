package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.bench.TakeoverBench.Event;
import io.trainwatch.bench.TakeoverBench.Measurement;
import java.util.List;
import org.junit.jupiter.api.Test;

class TakeoverReportTest {

  @Test
  void shouldSummarizeOnlyTheMeasurementsOfOneScenarioAndEvent() {
    TakeoverBench.Scenario restart = TakeoverReport.RESTART;
    TakeoverBench.Scenario failover = TakeoverReport.FAILOVER;
    TakeoverBench.Result r =
        new TakeoverBench.Result(
            TakeoverBench.Settings.quick(1),
            6,
            List.of(),
            List.of(
                measurement(restart, Event.KILL_RESTART, 1, 4_000),
                measurement(restart, Event.KILL_RESTART, 2, 6_000),
                measurement(restart, Event.KILL_RESTART, 3, 12_000),
                measurement(restart, Event.TERM_RESTART, 1, 1_000),
                measurement(failover, Event.KILL_FAILOVER, 1, 11_000)),
            List.of());

    assertThat(r.summary(restart, Event.KILL_RESTART, Measurement::allOutputMs))
        .isEqualTo(new Summary(6_000, 4_000, 12_000, 3));
    assertThat(TakeoverReport.verdicts(r))
        .extracting(Verdict::met)
        .containsExactly(true, true); // median 6 s <= 10 s; 11 s <= 15 s
    assertThat(TakeoverReport.seconds(new Summary(6_000, 4_000, 12_000, 3)))
        .isEqualTo("6.0 s (min 4.0, max 12.0, n=3)");
  }

  private static Measurement measurement(
      TakeoverBench.Scenario sc, Event e, int rep, double allMs) {
    return new Measurement(
        sc, e, rep, allMs / 2, allMs, 1_000, 0, 0, Double.NaN, 0, 6, 0, 0, 3.5, 8_000);
  }

  @Test
  void shouldPutEveryRunOfTheStateOnThePartitionKafkaWouldChoose() {
    // Kafka's default partitioner: murmur2 of the key bytes, positive, modulo the partitions.
    assertThat(TakeoverBench.Probes.partitionOf("takeover-000017", 6))
        .isEqualTo(
            org.apache.kafka.common.utils.Utils.toPositive(
                    org.apache.kafka.common.utils.Utils.murmur2(
                        "takeover-000017".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                % 6);
  }

  @Test
  void shouldNameScenariosAsTheCommandLineTakesThem() {
    assertThat(TakeoverBench.allScenarios())
        .extracting(TakeoverBench.Scenario::id)
        .containsExactly(
            "classic-failover-standby1",
            "classic-failover-standby1-kafka-defaults",
            "classic-peer-restart",
            "classic-failover-standby0",
            "streams-failover-standby1",
            "streams-failover-standby0",
            "classic-restart",
            "classic-restart-kafka-defaults",
            "streams-restart");
    assertThat(TakeoverBench.defaultScenarios())
        .extracting(TakeoverBench.Scenario::id)
        .containsExactly(
            "classic-failover-standby1",
            "classic-failover-standby1-kafka-defaults",
            "classic-peer-restart",
            "classic-failover-standby0");
    assertThat(TakeoverBench.defaultScenarios().get(0).events())
        .containsExactly(Event.KILL_FAILOVER, Event.KILL_RESTART, Event.TERM_RESTART);
    assertThat(TakeoverBench.defaultScenarios().get(2).events())
        .containsExactly(Event.KILL_RESTART_PEER);
  }
}
