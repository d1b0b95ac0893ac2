package io.trainwatch.monitor.actions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.monitor.config.ActionConfig;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.CommandType;
import io.trainwatch.schemas.Severity;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActionConfigTest {

  @Test
  void shouldNotifyOnlyByDefault() {
    ActionConfig c = MonitorConfig.defaults().actions();
    assertThat(c.policies()).isEmpty();
    assertThat(c.dryRun()).isFalse();
    assertThat(c.matching("nonfinite_loss", Severity.CRITICAL, "j")).isEmpty();
  }

  @Test
  void shouldMatchRuleSeverityAndJobGlobs() {
    ActionConfig c =
        ActionConfig.parse(
            Map.of(
                "actions.policies", "p",
                "actions.policy.p.rules", "nonfinite_loss, loss_divergence",
                "actions.policy.p.min_severity", "error",
                "actions.policy.p.jobs", "llm-*, mnist-?",
                "actions.policy.p.commands", "pin_checkpoint, stop, stop"));
    assertThat(c.policies().get(0).commands())
        .containsExactly(CommandType.PIN_CHECKPOINT, CommandType.STOP);
    assertThat(c.matching("nonfinite_loss", Severity.CRITICAL, "llm-7b")).hasSize(1);
    assertThat(c.matching("loss_divergence", Severity.ERROR, "mnist-1")).hasSize(1);
    assertThat(c.matching("loss_divergence", Severity.ERROR, "mnist-12")).isEmpty();
    assertThat(c.matching("loss_divergence", Severity.WARNING, "llm-7b")).isEmpty();
    assertThat(c.matching("loss_plateau", Severity.CRITICAL, "llm-7b")).isEmpty();
    assertThat(c.matching("nonfinite_loss", Severity.CRITICAL, null)).isEmpty();
  }

  @Test
  void shouldRefuseBadPoliciesNamingTheKey() {
    assertThatThrownBy(() -> ActionConfig.parse(Map.of("actions.policies", "p")))
        .hasMessage("actions.policy.p.commands: required (checkpoint_now, pin_checkpoint, stop)");
    assertThatThrownBy(
            () ->
                ActionConfig.parse(
                    Map.of("actions.policies", "p", "actions.policy.p.commands", "reboot")))
        .hasMessageStartingWith("actions.policy.p.commands=reboot: ");
    assertThatThrownBy(() -> ActionConfig.parse(Map.of("actions.policy.q.commands", "stop")))
        .hasMessageContaining("policy q is not listed in actions.policies");
    assertThatThrownBy(
            () ->
                ActionConfig.parse(
                    Map.of("actions.policies", "p", "actions.policy.p.command", "stop")))
        .hasMessageStartingWith("actions.policy.p.command: unknown key");
    assertThatThrownBy(() -> MonitorConfig.parse(Map.of("actions.dryrun", "true")))
        .hasMessageStartingWith("actions.dryrun: unknown key");
    assertThatThrownBy(() -> MonitorConfig.parse(Map.of("actions.dry_run", "maybe")))
        .hasMessageStartingWith("actions.dry_run=maybe: must be true or false");
  }

  @Test
  void shouldPrefixTheControlAndAttemptsTopics() {
    MonitorConfig c = MonitorConfig.defaults().withTopicPrefix("team-a.");
    assertThat(c.actions().controlTopic()).isEqualTo("team-a.trainwatch.control");
    assertThat(c.actions().attemptsTopic()).isEqualTo("team-a.trainwatch.monitor.attempts");
  }
}
