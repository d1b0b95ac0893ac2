package io.trainwatch.monitor.actions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CrashLoopGuardTest {

  private JobAttempts state = JobAttempts.NEW;

  @Test
  void shouldFireOnceWhenTheFourthRestartStartsAndStopEveryRankOfIt() {
    attempt(0, List.of(10L, 20L), "nonfinite_loss");
    for (int a = 1; a <= 3; a++) {
      assertThat(attempt(a, List.of(), "nonfinite_loss").emission()).isEmpty();
    }
    CrashLoopGuard.Outcome loop = apply(AttemptSignal.started("a4", 4, 4));

    assertThat(loop.emission()).hasValueSatisfying(e -> assertThat(e.firing()).isTrue());
    assertThat(loop.emission().get().evidence())
        .containsEntry("attempts_in_a_row", 3)
        .containsEntry("fault", "nonfinite_loss")
        .containsEntry("last_checkpoint_step", 20L);
    assertThat(loop.stop()).containsExactly("a4");
    CrashLoopGuard.Outcome rank1 = apply(AttemptSignal.started("a4-r1", 4, 4));
    assertThat(rank1.emission()).isEmpty();
    assertThat(rank1.stop()).containsExactly("a4-r1");
  }

  @Test
  void shouldKeepStoppingWhileTheLoopLastsAndResolveOnProgress() {
    attempt(0, List.of(20L), "nonfinite_loss");
    for (int a = 1; a <= 3; a++) {
      attempt(a, List.of(), "nonfinite_loss");
    }
    // The stopped attempt 4 could not progress: attempt 5 is stopped too, without a second page.
    attempt(4, List.of(), null);
    CrashLoopGuard.Outcome fifth = apply(AttemptSignal.started("a5", 5, 5));
    assertThat(fifth.emission()).isEmpty();
    assertThat(fifth.stop()).containsExactly("a5");
    // Someone fixed it: attempt 5 ... is stopped; attempt 6 saves a newer checkpoint.
    attempt(6, List.of(30L), null);
    CrashLoopGuard.Outcome seventh = apply(AttemptSignal.started("a7", 7, 7));
    assertThat(seventh.emission()).hasValueSatisfying(e -> assertThat(e.firing()).isFalse());
    assertThat(seventh.stop()).isEmpty();
  }

  @Test
  void shouldNotCallDifferentFaultsOrAHealthyRestartALoop() {
    attempt(0, List.of(20L), "nonfinite_loss");
    attempt(1, List.of(), "nonfinite_loss");
    attempt(2, List.of(), "exploding_gradient");
    attempt(3, List.of(), "nonfinite_loss");
    assertThat(apply(AttemptSignal.started("a4", 4, 4)).emission()).isEmpty();
    attempt(4, List.of(), null); // ended without a fault (preempted)
    attempt(5, List.of(), "nonfinite_loss");
    attempt(6, List.of(), "nonfinite_loss");
    assertThat(apply(AttemptSignal.started("a7", 7, 7)).emission()).isEmpty();
  }

  @Test
  void shouldIgnoreFaultsOfRunsOfAnOlderAttemptAndLateStarts() {
    attempt(0, List.of(20L), null);
    apply(AttemptSignal.started("a1", 1, 1));
    apply(AttemptSignal.fault("a0", "nonfinite_loss", 25, 1));
    assertThat(state.fault()).isNull();
    apply(AttemptSignal.started("a0-late", 0, 1));
    assertThat(state.attempt()).isEqualTo(1);
    assertThat(state.runs()).containsExactly("a1");
  }

  @Test
  void shouldRoundTripItsState() {
    attempt(0, List.of(20L), "nonfinite_loss");
    apply(AttemptSignal.started("a1", 1, 1));
    assertThat(JobAttempts.decode(state.encode())).isEqualTo(state);
    AttemptSignal s = AttemptSignal.checkpoint("r", 7, "/c/7", 9);
    assertThat(AttemptSignal.decode(s.encode())).isEqualTo(s);
  }

  /** Starts attempt {@code a} (run "a<a>"), saves {@code checkpoints}, faults (if not null). */
  private CrashLoopGuard.Outcome attempt(int a, List<Long> checkpoints, String fault) {
    String run = "a" + a;
    CrashLoopGuard.Outcome start = apply(AttemptSignal.started(run, a, a));
    for (long c : checkpoints) {
      apply(AttemptSignal.checkpoint(run, c, "/c/" + c, a));
    }
    if (fault != null) {
      apply(AttemptSignal.fault(run, fault, 25, a));
    }
    return start;
  }

  private CrashLoopGuard.Outcome apply(AttemptSignal s) {
    CrashLoopGuard.Outcome out = CrashLoopGuard.apply(state, s, 3);
    state = out.state();
    return out;
  }
}
