package io.trainwatch.monitor.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.NegativeLossRule;
import io.trainwatch.monitor.rules.Rule;
import io.trainwatch.monitor.rules.RuleSettings;
import io.trainwatch.monitor.run.AlertTrack;
import io.trainwatch.monitor.run.AlertTrack.Phase;
import io.trainwatch.schemas.AlertStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AlertLifecycleTest {

  private final Rule rule = new NegativeLossRule();
  private final RuleSettings settings =
      rule.spec().defaults(); // for_batches 3, resolve_after_batches 20
  private final List<Emission> emitted = new ArrayList<>();
  private AlertTrack track = AlertTrack.NEW;
  private long step;

  @Test
  void shouldFireOnceAfterForBatchesConsecutiveHits() {
    hold(2);
    assertThat(emitted).isEmpty();
    assertThat(track.phase()).isEqualTo(Phase.PENDING);

    hold(1);

    assertThat(emitted)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(AlertStatus.FIRING);
              assertThat(e.revision()).isEqualTo(1);
              assertThat(e.diagnosis()).isEqualTo(NegativeLossRule.SOFTMAX_INTO_NLL);
              assertThat(e.startsAtMs()).isEqualTo(ts(0));
              assertThat(e.atMs()).isEqualTo(ts(2));
              assertThat(e.step()).isEqualTo(2L);
              assertThat(e.evidence()).containsEntry("loss", -0.1).containsEntry("batches", 3);
            });
  }

  @Test
  void shouldEmitOneFiringRecordPerIncidentNeverOnePerBatch() {
    hold(500);

    assertThat(emitted).hasSize(1);
    assertThat(track.firing()).isTrue();
    assertThat(track.hits()).isEqualTo(500);
  }

  @Test
  void shouldForgetAPendingConditionThatClears() {
    hold(2);
    clear(1);
    hold(2);

    assertThat(emitted).isEmpty();
    assertThat(track.phase()).isEqualTo(Phase.PENDING);
    assertThat(track.sinceMs()).isEqualTo(ts(3));
  }

  @Test
  void shouldResolveAfterResolveAfterBatchesClearBatches() {
    hold(3);
    clear(19);
    assertThat(emitted).hasSize(1);

    clear(1);

    assertThat(emitted).hasSize(2);
    Emission resolved = emitted.get(1);
    assertThat(resolved.status()).isEqualTo(AlertStatus.RESOLVED);
    assertThat(resolved.revision()).isEqualTo(2);
    assertThat(resolved.diagnosis()).isEqualTo(NegativeLossRule.SOFTMAX_INTO_NLL);
    assertThat(resolved.startsAtMs()).isEqualTo(ts(0));
    assertThat(resolved.atMs()).isEqualTo(ts(22));
    assertThat(resolved.evidence()).containsExactly(Map.entry("clear_batches", 20));
    assertThat(resolved.resolution()).isEqualTo(AlertLifecycle.CLEARED);
    assertThat(track.phase()).isEqualTo(Phase.INACTIVE);
  }

  @Test
  void shouldRestartTheClearCountWhenTheConditionReturns() {
    hold(3);
    clear(19);
    hold(1);
    clear(19);

    assertThat(emitted).hasSize(1);
    clear(1);
    assertThat(emitted).hasSize(2);
  }

  @Test
  void shouldNumberALaterIncidentOfTheSameRuleOnward() {
    hold(3);
    clear(20);
    hold(3);
    clear(20);

    assertThat(emitted).extracting(Emission::revision).containsExactly(1, 2, 3, 4);
    assertThat(emitted)
        .extracting(Emission::status)
        .containsExactly(
            AlertStatus.FIRING, AlertStatus.RESOLVED, AlertStatus.FIRING, AlertStatus.RESOLVED);
    assertThat(emitted.get(2).startsAtMs()).isEqualTo(ts(23));
  }

  @Test
  void shouldResolveAFiringAlertWhenTheRunEnds() {
    hold(5);

    AlertLifecycle.Step s =
        AlertLifecycle.close(
            rule, track, ts(9), 8L, AlertLifecycle.RUN_ENDED, Map.of("run_status", "completed"));

    Emission e = s.emission().orElseThrow();
    assertThat(e.status()).isEqualTo(AlertStatus.RESOLVED);
    assertThat(e.revision()).isEqualTo(2);
    assertThat(e.atMs()).isEqualTo(ts(9));
    assertThat(e.evidence()).containsEntry("run_status", "completed");
    assertThat(s.track().phase()).isEqualTo(Phase.INACTIVE);
    assertThat(s.track().revision()).isEqualTo(2);
  }

  @Test
  void shouldDropAPendingAlertSilentlyWhenTheRunEnds() {
    hold(2);

    AlertLifecycle.Step s =
        AlertLifecycle.close(rule, track, ts(3), 2L, AlertLifecycle.RUN_ENDED, Map.of());

    assertThat(s.emission()).isEmpty();
    assertThat(s.track()).isEqualTo(AlertTrack.NEW);
  }

  @Test
  void shouldFireOnEventTimeForSlowTrainers() {
    RuleSettings slow = settings.with("for_batches", 100).with("for_seconds", 60);

    track = AlertLifecycle.evaluate(rule, track, Optional.of(finding()), slow, 0, 0L).track();
    track = AlertLifecycle.evaluate(rule, track, Optional.of(finding()), slow, 59_999, 1L).track();
    assertThat(track.phase()).isEqualTo(Phase.PENDING);
    AlertLifecycle.Step s =
        AlertLifecycle.evaluate(rule, track, Optional.of(finding()), slow, 60_000, 2L);

    assertThat(s.emission()).isPresent();
    assertThat(s.emission().get().evidence()).containsEntry("batches", 3);
  }

  @Test
  void shouldFireOnTheFirstHitWhenForBatchesIsOne() {
    RuleSettings immediate = settings.with("for_batches", 1);

    assertThat(
            AlertLifecycle.evaluate(rule, track, Optional.of(finding()), immediate, 0, 0L)
                .emission())
        .isPresent();
  }

  private void hold(int batches) {
    for (int i = 0; i < batches; i++) {
      advance(Optional.of(finding()));
    }
  }

  private void clear(int batches) {
    for (int i = 0; i < batches; i++) {
      advance(Optional.empty());
    }
  }

  private void advance(Optional<Finding> f) {
    AlertLifecycle.Step s = AlertLifecycle.evaluate(rule, track, f, settings, ts(step), step);
    track = s.track();
    s.emission().ifPresent(emitted::add);
    step++;
  }

  private static Finding finding() {
    return Finding.of(NegativeLossRule.SOFTMAX_INTO_NLL, -0.1).put("loss", -0.1).build();
  }

  private static long ts(long step) {
    return 1_000_000 + step * 100;
  }
}
