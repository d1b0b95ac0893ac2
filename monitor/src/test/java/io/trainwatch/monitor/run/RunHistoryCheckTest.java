package io.trainwatch.monitor.run;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.testing.Events;
import org.junit.jupiter.api.Test;

class RunHistoryCheckTest {

  @Test
  void shouldAcceptEveryEventOfARunInOrder() {
    RunState state = null;
    assertThat(RunHistoryCheck.rejection(state, Events.pytorchNll("r"))).isNull();
    assertThat(RunHistoryCheck.rejection(state, batch("r", 7).build()))
        .as("a run seen first by a batch")
        .isNull();
    state = new RunState();
    for (long step = 0; step < 3; step++) {
      assertThat(RunHistoryCheck.rejection(state, batch("r", step * 10).build())).isNull();
      state.observe(batch("r", step * 10).build(), 0);
    }
    assertThat(RunHistoryCheck.rejection(state, Events.pytorchNll("r")))
        .as("a repeated run_started")
        .isNull();
    assertThat(RunHistoryCheck.rejection(state, Events.ended("r", 30))).isNull();
  }

  @Test
  void shouldRejectARepeatedOrEarlierStep() {
    RunState state = new RunState();
    state.observe(batch("r", 5).build(), 0);

    assertThat(RunHistoryCheck.rejection(state, batch("r", 5).build()))
        .isEqualTo("step 5: repeats the run's last step 5 (steps increase within a run)");
    assertThat(RunHistoryCheck.rejection(state, batch("r", 0).build()))
        .isEqualTo("step 0: goes back from the run's last step 5 (steps increase within a run)");
    assertThat(RunHistoryCheck.rejection(state, batch("r", 6).build())).isNull();
  }

  @Test
  void shouldRejectEverythingButARunStartedAfterTheEnd() {
    RunState state = new RunState();
    state.observe(batch("r", 5).build(), 0);
    state.end(0, 0);

    assertThat(RunHistoryCheck.rejection(state, batch("r", 6).build()))
        .startsWith("step 6: the run had ended");
    assertThat(RunHistoryCheck.rejection(state, Events.ended("r", 6)))
        .isEqualTo("run_ended: the run had already ended");
    assertThat(RunHistoryCheck.rejection(state, Events.pytorchNll("r"))).isNull();
  }

  @Test
  void shouldRejectTheEndOfAnUnknownRun() {
    assertThat(RunHistoryCheck.rejection(null, Events.ended("r", 6)))
        .startsWith("run_ended: no such run here");
  }
}
