package io.trainwatch.monitor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.trainwatch.monitor.config.MonitorConfig.ProcessingGuarantee;
import io.trainwatch.monitor.config.MonitorConfig.StateStoreType;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.monitor.rules.UnnormalizedInputRule;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.SettingOverride;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MonitorConfigTest {

  @Test
  void shouldHaveDocumentedDefaults() {
    MonitorConfig c = MonitorConfig.defaults();

    assertThat(c.eventsPartitions()).isEqualTo(6);
    assertThat(c.alertsPartitions()).isEqualTo(6);
    assertThat(c.dlqPartitions()).isEqualTo(1);
    assertThat(c.replicationFactor()).isEqualTo((short) 1);
    assertThat(c.minInsyncReplicas()).isEmpty();
    assertThat(c.topicConfigs()).as("the broker's min.insync.replicas applies").isEmpty();
    assertThat(c.processingGuarantee()).isEqualTo(ProcessingGuarantee.EXACTLY_ONCE_V2);
    assertThat(c.streamThreads()).isEqualTo(1);
    assertThat(c.stateStore()).isEqualTo(StateStoreType.PERSISTENT);
    assertThat(c.wallClockInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.maxRuns()).isEqualTo(100_000);
    assertThat(c.endedRunRetention()).isEqualTo(Duration.ofHours(1));
    assertThat(c.idleRunRetention()).isEqualTo(Duration.ofDays(1));
    assertThat(c.rules().base()).isEqualTo(RunSettings.defaults());
    assertThat(c.rules().base().get(RuleId.NEGATIVE_LOSS).forBatches()).isEqualTo(3);
    assertThat(c.rules().base().get(RuleId.NONFINITE_LOSS).forBatches()).isEqualTo(1);
    assertThat(c.group()).isEqualTo(new GroupConfig(GroupConfig.AUTO, Duration.ofSeconds(10), 1));
  }

  @Test
  void shouldReadTheGroupSettings() {
    MonitorConfig c =
        MonitorConfig.parse(
            Map.of(
                "monitor.group.instance_id", "monitor-a.0",
                "monitor.group.session_timeout_seconds", "30",
                "monitor.standby_replicas", "0"));

    assertThat(c.group().instanceId()).isEqualTo("monitor-a.0");
    assertThat(c.group().isStatic()).isTrue();
    assertThat(c.group().sessionTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.group().heartbeatInterval()).isEqualTo(Duration.ofSeconds(6));
    assertThat(c.group().standbyReplicas()).isZero();
    assertThat(MonitorConfig.parse(Map.of("monitor.group.instance_id", "none")).group().isStatic())
        .isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "monitor.group.instance_id, a b, monitor.group.instance_id",
    "monitor.group.session_timeout_seconds, 5, monitor.group.session_timeout_seconds",
    "monitor.standby_replicas, -1, monitor.standby_replicas"
  })
  void shouldRefuseBadGroupSettings(String key, String value, String named) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> MonitorConfig.parse(Map.of(key, value)))
        .withMessageContaining(named);
  }

  @Test
  void shouldReadAFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(
        file,
        String.join(
            "\n",
            "# comments are fine",
            "monitor.topics.events_partitions = 12",
            "monitor.processing_guarantee=at_least_once",
            "monitor.state_store=in_memory",
            "monitor.runs.max=500",
            "rules.negative_loss.for_batches=5",
            "rules.unnormalized_input.max_abs=100",
            "rules.unnormalized_input.enabled=false",
            "jobs.vision.nightly.rules.unnormalized_input.enabled=true",
            "jobs.vision.nightly.rules.unnormalized_input.max_std=25.5"));

    MonitorConfig c = MonitorConfig.load(file);

    assertThat(c.eventsPartitions()).isEqualTo(12);
    assertThat(c.processingGuarantee()).isEqualTo(ProcessingGuarantee.AT_LEAST_ONCE);
    assertThat(c.stateStore()).isEqualTo(StateStoreType.IN_MEMORY);
    assertThat(c.maxRuns()).isEqualTo(500);
    RunSettings base = c.rules().base();
    assertThat(base.get(RuleId.NEGATIVE_LOSS).forBatches()).isEqualTo(5);
    assertThat(base.get(RuleId.UNNORMALIZED_INPUT).number(UnnormalizedInputRule.MAX_ABS))
        .isEqualTo(100);
    assertThat(base.get(RuleId.UNNORMALIZED_INPUT).enabled()).isFalse();
    RunSettings job = c.rules().forJob("vision.nightly");
    assertThat(job.get(RuleId.UNNORMALIZED_INPUT).enabled()).isTrue();
    assertThat(job.get(RuleId.UNNORMALIZED_INPUT).number(UnnormalizedInputRule.MAX_STD))
        .isEqualTo(25.5);
    assertThat(job.get(RuleId.UNNORMALIZED_INPUT).number(UnnormalizedInputRule.MAX_ABS))
        .isEqualTo(100);
    assertThat(job.get(RuleId.NEGATIVE_LOSS).forBatches()).isEqualTo(5);
    assertThat(c.rules().forJob("other")).isEqualTo(base);
    assertThat(c.rules().forJob(null)).isEqualTo(base);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "rules.negative_loss.for_batches=0 | rules.negative_loss.for_batches=0: must be >= 1",
        "rules.negative_loss.for_batches=2.5 | rules.negative_loss.for_batches=2.5: must be an integer",
        "rules.negative_loss.enabled=yes | rules.negative_loss.enabled=yes: must be true or false",
        "rules.negative_loss.tolerance=-1 | rules.negative_loss.tolerance=-1: must be >= 0",
        "rules.negative_loss.tolerance=NaN | rules.negative_loss.tolerance=NaN: must be a number",
        "rules.unnormalized_input.max_abs=abc | rules.unnormalized_input.max_abs=abc: must be a number",
        "rules.negative_loss.threshold=1 | rules.negative_loss.threshold: unknown key (negative_loss has enabled,"
            + " for_batches, for_seconds, resolve_after_batches, tolerance)",
        "rules.negative_los.enabled=true | rules.negative_los.enabled: unknown rule negative_los (rules:"
            + " nonfinite_loss, negative_loss, unnormalized_input, loss_at_init, loss_divergence, loss_plateau,"
            + " exploding_gradient, vanishing_gradient, output_collapse, stalled_run, loss_spike,"
            + " loss_scale_collapse, crash_loop, straggler_rank, rank_divergence, job_hang, suspect_node)",
        "rules.negative_loss=true | rules.negative_loss: expected rules.<rule_id>.<key>",
        "rules.negative_loss.for_batches.x=1 | rules.negative_loss.for_batches.x: expected rules.<rule_id>.<key>",
        "monitor.topics.events_partitions=0 | monitor.topics.events_partitions=0: must be >= 1",
        "monitor.processing_guarantee=exactly_once | monitor.processing_guarantee=exactly_once: must be one of"
            + " exactly_once_v2, at_least_once",
        "monitor.state_store=redis | monitor.state_store=redis: must be one of persistent, in_memory",
        "monitor.runs.idle_retention_seconds=5 | monitor.runs.idle_retention_seconds=5: must be >= 60",
        "monitor.partitions=3 | monitor.partitions: unknown key (monitor keys: monitor.topics.events,"
            + " monitor.topics.alerts, monitor.topics.dlq, monitor.topics.events_partitions,"
            + " monitor.topics.alerts_partitions, monitor.topics.dlq_partitions, monitor.topics.replication_factor,"
            + " monitor.topics.min_insync_replicas, monitor.processing_guarantee, monitor.stream_threads, monitor.state_store,"
            + " monitor.wall_clock_interval_seconds, monitor.runs.max, monitor.runs.ended_retention_seconds,"
            + " monitor.runs.idle_retention_seconds, monitor.events.max_record_bytes,"
            + " monitor.jobs.group_wait_seconds, monitor.jobs.idle_retention_seconds, monitor.group.instance_id,"
            + " monitor.group.session_timeout_seconds, monitor.standby_replicas)",
        "monitor.topics.min_insync_replicas=0 | monitor.topics.min_insync_replicas=0: must be >= 1",
        "monitor.topics.min_insync_replicas=2 | monitor.topics.min_insync_replicas=2: must be <="
            + " monitor.topics.replication_factor (1), or no write to the topics could ever be acknowledged",
        "monitor.stream_threads=2.0 | monitor.stream_threads=2.0: must be an integer",
        "monitor.stream_threads=65 | monitor.stream_threads=65: must be <= 64",
        "monitor.topics.events=a b | monitor.topics.events=a b: must be a topic name (1 to 249 of a-z A-Z 0-9 . _ -)",
        "bootstrap.servers=x:1 | bootstrap.servers: unknown key (keys start with monitor., rules., jobs. or actions.)",
        "jobs.nightly.enabled=false | jobs.nightly.enabled: expected jobs.<job>.rules.<rule_id>.<key>",
        "jobs.nightly.rules.negative_loss.for_batches=0 | jobs.nightly.rules.negative_loss.for_batches=0:"
            + " must be >= 1",
      })
  void shouldRefuseBadKeysAndValuesNamingTheKey(String line, String message) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(line));

    assertThatIllegalArgumentException()
        .isThrownBy(() -> MonitorConfig.parse(p))
        .withMessage(message);
  }

  @Test
  void shouldReadTopicNamesAsStringsAndIntegersAsIntegers() {
    MonitorConfig c =
        MonitorConfig.parse(
                Map.of(
                    "monitor.topics.events", "ml.events",
                    "monitor.topics.alerts", "ml.alerts",
                    "monitor.runs.max", "100000000"))
            .withTopicPrefix("team-a.");

    assertThat(c.eventsTopic()).isEqualTo("team-a.ml.events");
    assertThat(c.alertsTopic()).isEqualTo("team-a.ml.alerts");
    assertThat(c.dlqTopic()).isEqualTo("team-a.trainwatch.events.dlq");
    assertThat(c.maxRuns()).isEqualTo(100_000_000);
  }

  @Test
  void shouldGiveEveryTopicItCreatesTheConfiguredMinInsyncReplicas() {
    MonitorConfig c =
        MonitorConfig.parse(
            Map.of(
                "monitor.topics.replication_factor", "3",
                "monitor.topics.min_insync_replicas", "2"));

    assertThat(c.replicationFactor()).isEqualTo((short) 3);
    assertThat(c.minInsyncReplicas()).hasValue(2);
    assertThat(c.topicConfigs()).containsExactly(Map.entry("min.insync.replicas", "2"));
    assertThat(c.withTopicPrefix("team-a.").withRules(c.rules()).topicConfigs())
        .as("kept by the with... copies")
        .containsExactly(Map.entry("min.insync.replicas", "2"));
  }

  @Test
  void shouldNameTheFileItCannotRead(@TempDir Path dir) {
    Path missing = dir.resolve("nope.properties");

    assertThatIllegalArgumentException()
        .isThrownBy(() -> MonitorConfig.load(missing))
        .withMessageStartingWith("--config " + missing + ": cannot read");
  }

  @Test
  void shouldApplyValidRunOverridesAndWarnAboutTheRest() {
    RuleConfig.Overrides o =
        RuleConfig.validate(
            Map.of(
                "negative_loss", Map.of("for_batches", 5L, "enabled", true, "colour", "red"),
                "unnormalized_input", Map.of("max_abs", "lots", "max_std", 50.0),
                "no_such_rule", Map.of("enabled", false)));

    assertThat(o.warnings())
        .containsExactly(
            "rules.negative_loss.colour: unknown key, ignored (negative_loss has enabled, for_batches, for_seconds,"
                + " resolve_after_batches, tolerance)",
            "rules.no_such_rule: unknown rule, ignored",
            "rules.unnormalized_input.max_abs=lots: must be a number, ignored");
    RunSettings s =
        RuleConfig.defaults().forRun(new RunProfile("pytorch", null, null, null, null, o.valid()));
    assertThat(s.get(RuleId.NEGATIVE_LOSS).forBatches()).isEqualTo(5);
    assertThat(s.get(RuleId.NEGATIVE_LOSS).enabled()).isTrue();
    assertThat(s.get(RuleId.UNNORMALIZED_INPUT).number(UnnormalizedInputRule.MAX_STD))
        .isEqualTo(50);
    assertThat(s.get(RuleId.UNNORMALIZED_INPUT).number(UnnormalizedInputRule.MAX_ABS))
        .isEqualTo(20);
  }

  @Test
  void shouldLetARunOverrideItsJob() throws IOException {
    Properties p = new Properties();
    p.load(new StringReader("jobs.nightly.rules.negative_loss.enabled=false\n"));
    RuleConfig rules = MonitorConfig.parse(p).rules();
    int enabled = rules.base().get(RuleId.NEGATIVE_LOSS).spec().indexOf("enabled");

    RunSettings jobOnly =
        rules.forRun(new RunProfile("dl4j", "nightly", null, null, null, List.of()));
    RunSettings runWins =
        rules.forRun(
            new RunProfile(
                "dl4j",
                "nightly",
                null,
                null,
                null,
                List.of(new SettingOverride(RuleId.NEGATIVE_LOSS.code(), enabled, 1))));

    assertThat(jobOnly.get(RuleId.NEGATIVE_LOSS).enabled()).isFalse();
    assertThat(runWins.get(RuleId.NEGATIVE_LOSS).enabled()).isTrue();
  }
}
