package io.trainwatch.monitor.rules;

import static io.trainwatch.monitor.rules.RuleTesting.run;
import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import java.util.List;
import org.junit.jupiter.api.Test;

class StalledRunRuleTest {

  private final StalledRunRule rule = new StalledRunRule();
  private final RuleSettings defaults = rule.spec().defaults();

  @Test
  void shouldFireAfterStallSecondsOfSilence() {
    RunState run = run(Events.dl4jMcxent("r"));
    run.observe(batch("r", 41).build(), 1_000_000);

    assertThat(rule.evaluateAt(run, 1_599_999, 0, defaults)).isEmpty();
    Finding f = rule.evaluateAt(run, 1_600_000, 0, defaults).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(StalledRunRule.STOPPED_REPORTING);
    assertThat(f.evidence())
        .containsEntry("silent_seconds", 600L)
        .containsEntry("stall_seconds", 600L)
        .containsEntry("batches_seen", 1L)
        .containsEntry("last_step", 41L);
  }

  @Test
  void shouldTellARunThatNeverSentABatch() {
    RunState run =
        RunState.started(null, RunProfile.of(Events.pytorchNll("r"), List.of()), 0, 5_000);

    Finding f = rule.evaluateAt(run, 5_000 + 600_000, 0, defaults).orElseThrow();

    assertThat(f.diagnosis()).isEqualTo(StalledRunRule.NO_BATCHES);
    assertThat(f.evidence()).containsEntry("last_step", null);
  }

  @Test
  void shouldNotCountTimeTheMonitorWasNotWatching() {
    RunState run = run(Events.dl4jMcxent("r"));
    run.observe(batch("r", 0).build(), 1_000);

    // The monitor restarted at 10_000_000: the run gets a full stall period from then.
    assertThat(rule.evaluateAt(run, 10_500_000, 10_000_000, defaults)).isEmpty();
    assertThat(rule.evaluateAt(run, 10_600_000, 10_000_000, defaults)).isPresent();
  }

  @Test
  void shouldNeverJudgeAnEndedRun() {
    RunState run = run(Events.dl4jMcxent("r"));
    run.end(0, 1_000);

    assertThat(rule.evaluateAt(run, 100_000_000, 0, defaults)).isEmpty();
  }

  @Test
  void shouldBeClearOnEveryBatchAndResolveOnTheFirst() {
    assertThat(rule.evaluate(run(Events.dl4jMcxent("r")), batch("r", 1).build(), defaults))
        .isEmpty();
    assertThat(defaults.resolveAfterBatches()).isEqualTo(1);
    assertThat(defaults.forBatches()).isEqualTo(1);
  }

  @Test
  void shouldHonourAConfiguredStall() {
    RunState run = run(Events.dl4jMcxent("r"));
    run.observe(batch("r", 0).build(), 0);

    assertThat(rule.evaluateAt(run, 30_000, 0, defaults.with("stall_seconds", 30))).isPresent();
  }
}
