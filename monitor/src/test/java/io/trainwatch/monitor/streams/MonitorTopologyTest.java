package io.trainwatch.monitor.streams;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trainwatch.monitor.alerting.Inhibitions;
import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.http.MonitorMetrics;
import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.Rule;
import io.trainwatch.monitor.rules.RuleSettings;
import io.trainwatch.monitor.rules.RuleSpec;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.RunTrace;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Severity;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleUnaryOperator;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorTopologyTest {

  @TempDir Path stateDir;

  private TopologyFixture topology;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> events;
  private TestOutputTopic<String, Alert> alerts;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  @AfterEach
  void close() {
    if (topology != null) {
      topology.close();
    }
  }

  @Test
  void shouldRaiseOneSoftmaxIntoNllAlertInPytorchWordsAndResolveItWhenTheRunEnds() {
    start(MonitorConfig.defaults());
    send(Events.pytorchNll("cifar-42"));
    sendBatches("cifar-42", 0, 30, step -> -(10 + step) / 100.0);
    send(Events.ended("cifar-42", 30));

    List<Alert> out = alerts.readValuesToList();

    assertThat(out).hasSize(2);
    Alert firing = out.get(0);
    assertThat(firing.alertId()).isEqualTo("cifar-42/negative_loss");
    assertThat(firing.eventId()).isEqualTo("cifar-42/negative_loss#1");
    assertThat(firing.revision()).isEqualTo(1);
    assertThat(firing.status()).isEqualTo(AlertStatus.FIRING);
    assertThat(firing.rule()).isEqualTo("negative_loss");
    assertThat(firing.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(firing.diagnosis()).isEqualTo("softmax_into_nll");
    assertThat(firing.summary())
        .isEqualTo(
            "cifar-42: negative_loss: loss -0.12 is below its lower bound 0 for 3"
                + " batches (softmax probabilities fed into an NLL loss)");
    assertThat(firing.hint())
        .contains(
            "softmax probabilities fed into an NLL loss: use LogSoftmax, or"
                + " CrossEntropyLoss on logits")
        .contains("nn.LogSoftmax(dim=1)");
    assertThat(firing.evidence())
        .containsEntry("loss", -0.12)
        .containsEntry("lower_bound", 0.0)
        .containsEntry("output_row_sum_mean", 1.0)
        .containsEntry("batches", 3L); // JSON integers read back as Long
    assertThat(firing.step()).isEqualTo(2L);
    assertThat(firing.startsAt()).isEqualTo(Instant.ofEpochMilli(Events.ts(0)));
    assertThat(firing.endsAt()).isNull();
    assertThat(firing.job()).isEqualTo("job-pytorch");
    assertThat(firing.labels()).containsEntry("team", "ml");
    Alert resolved = out.get(1);
    assertThat(resolved.alertId()).isEqualTo(firing.alertId());
    assertThat(resolved.eventId()).isEqualTo("cifar-42/negative_loss#2");
    assertThat(resolved.revision()).isEqualTo(2);
    assertThat(resolved.status()).isEqualTo(AlertStatus.RESOLVED);
    assertThat(resolved.diagnosis()).isEqualTo("softmax_into_nll");
    assertThat(resolved.startsAt()).isEqualTo(firing.startsAt());
    assertThat(resolved.endsAt())
        .isEqualTo(Instant.ofEpochMilli(Events.ended("cifar-42", 30).tsMs()));
    assertThat(resolved.summary())
        .isEqualTo(
            "cifar-42: negative_loss resolved, run ended (completed)"
                + " (softmax probabilities fed into an NLL loss)");
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void shouldTraceARunsHistoryAndOpenAlertsForTheRunsApiAndForgetThemWithTheRun() {
    start(MonitorConfig.defaults());
    send(Events.pytorchNll("traced"));
    sendBatches("traced", 0, 200, step -> step < 100 ? 2.0 - step / 100.0 : -0.2);
    KeyValueStore<String, RunTrace> traces =
        driver.getKeyValueStore(MonitorTopology.RUN_TRACE_STORE);

    RunTrace trace = traces.get("traced");

    assertThat(trace.points()).hasSizeBetween(RunTrace.MAX_POINTS / 2, RunTrace.MAX_POINTS);
    assertThat(trace.points().get(0).step()).isZero();
    assertThat(trace.points().get(0).loss()).isEqualTo(2.0f);
    assertThat(trace.openAlerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.rule()).isEqualTo("negative_loss");
              assertThat(a.hint()).contains("nn.LogSoftmax(dim=1)");
            });
    assertThat(trace.markers())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.step()).isEqualTo(102);
              assertThat(m.loss()).isEqualTo(-0.2f);
            });

    send(Events.ended("traced", 200));
    assertThat(traces.get("traced").openAlerts()).isEmpty();
    assertThat(traces.get("traced").markers()).hasSize(2);
    driver.advanceWallClockTime(Duration.ofHours(2));
    assertThat(traces.get("traced")).isNull();
  }

  @Test
  void shouldKeyAlertsByAlertId() {
    start(MonitorConfig.defaults());
    send(Events.pytorchNll("r1"));
    sendBatches("r1", 0, 3, step -> -0.2);

    TestRecord<String, Alert> record = alerts.readRecord();

    assertThat(record.key()).isEqualTo("r1/negative_loss");
    // Processing time, not the event's: the broker refuses records stamped far ahead and deletes
    // expired ones.
    assertThat(record.timestamp()).isEqualTo(TopologyFixture.WALL_START.toEpochMilli());
  }

  @Test
  void shouldUseDl4jWordsForADl4jRun() {
    start(MonitorConfig.defaults());
    send(Events.dl4jLogProbabilityLoss("dl4j-1"));
    sendBatches("dl4j-1", 0, 5, step -> -0.1);

    Alert firing = alerts.readValue();

    assertThat(firing.diagnosis()).isEqualTo("softmax_into_nll");
    assertThat(firing.hint())
        .contains("LossMCXENT")
        .contains("Activation.SOFTMAX")
        .contains("DL4J's NLL takes probabilities")
        .doesNotContain("nn.LogSoftmax");
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldStayQuietOnAHealthyRun() {
    start(MonitorConfig.defaults());
    send(Events.dl4jMcxent("healthy"));
    sendBatches("healthy", 0, 500, step -> 2.3 * Math.exp(-step / 100.0) + 0.05);
    send(Events.ended("healthy", 500));

    assertThat(alerts.isEmpty()).isTrue();
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void shouldStayQuietOnLegitimatelyNegativeLosses() {
    start(MonitorConfig.defaults());
    send(Events.gaussianNll("vae"));
    send(Events.cosineProximity("simsiam"));
    sendBatches("vae", 0, 200, step -> 1.0 - step * 0.05);
    sendBatches("simsiam", 0, 200, step -> -0.99 * (1 - Math.exp(-step / 20.0)));

    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldSendMalformedEventsToTheDeadLetterTopicUnchangedAndKeepGoing() {
    start(MonitorConfig.defaults());
    byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
    byte[] noLoss =
        ("{\"schema_version\":1,\"type\":\"batch\",\"run_id\":\"r\",\"ts_ms\":1,\"step\":0,"
                + "\"input\":{\"min\":0,\"max\":1,\"mean\":0,\"std\":1,\"nonfinite\":0,\"count\":1},"
                + "\"output\":{\"min\":0,\"max\":1,\"mean\":0,\"std\":1,\"nonfinite\":0,\"count\":1}}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] future = "{\"schema_version\":2,\"type\":\"batch\"}".getBytes(StandardCharsets.UTF_8);
    byte[] unknownType =
        "{\"schema_version\":1,\"type\":\"epoch\",\"run_id\":\"r\"}"
            .getBytes(StandardCharsets.UTF_8);

    events.pipeInput(key("r"), garbage);
    events.pipeInput(key("r"), noLoss);
    events.pipeInput(key("r"), future);
    events.pipeInput(key("r"), unknownType);
    events.pipeInput(key("r"), (byte[]) null);
    events.pipeInput((byte[]) null, EventCodec.encode(Events.pytorchNll("r")));
    events.pipeInput(key("someone-else"), EventCodec.encode(Events.pytorchNll("r")));
    send(Events.pytorchNll("r"));
    sendBatches("r", 0, 3, step -> -0.3);

    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead).hasSize(7);
    assertThat(dead.get(0).value()).isEqualTo(garbage);
    assertThat(dead.get(0).key()).isEqualTo(key("r"));
    assertThat(dead)
        .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
        .satisfiesExactly(
            reason -> assertThat(reason).startsWith("value: not valid JSON"),
            reason -> assertThat(reason).isEqualTo("loss: required"),
            reason ->
                assertThat(reason)
                    .isEqualTo("schema_version=2: unsupported, this monitor reads version 1"),
            reason ->
                assertThat(reason)
                    .isEqualTo(
                        "type=\"epoch\": unknown, expected run_started, batch, checkpoint or run_ended"),
            reason ->
                assertThat(reason)
                    .isEqualTo("tombstone: the value is null, events are never deleted"),
            reason -> assertThat(reason).isEqualTo("key: missing, must be the run_id"),
            reason ->
                assertThat(reason).isEqualTo("key \"someone-else\": must equal run_id \"r\""));
    assertThat(dead)
        .allSatisfy(
            r -> {
              assertThat(DeadLetters.header(r.headers(), DeadLetters.TOPIC))
                  .isEqualTo(Topics.EVENTS);
              assertThat(DeadLetters.header(r.headers(), DeadLetters.PARTITION)).isEqualTo("0");
              assertThat(DeadLetters.header(r.headers(), DeadLetters.STAGE)).isEqualTo("decode");
            });
    assertThat(dead)
        .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.OFFSET))
        .containsExactly("0", "1", "2", "3", "4", "5", "6");
    assertThat(alerts.readValuesToList()).extracting(Alert::rule).containsExactly("negative_loss");
  }

  @Test
  void shouldSendARecordThatMakesProcessingThrowToTheDeadLetterTopicAndKeepGoing() {
    Rule exploding =
        new Rule() {
          @Override
          public RuleSpec spec() {
            return Rules.all().get(0).spec();
          }

          @Override
          public List<String> diagnoses() {
            return List.of("x");
          }

          @Override
          public Optional<Finding> evaluate(RunState run, BatchEvent b, RuleSettings s) {
            if (b.step() == 13) {
              throw new IllegalStateException("bug at step 13");
            }
            return Optional.empty();
          }
        };
    List<Rule> rules = new ArrayList<>(Rules.all());
    rules.add(0, exploding);
    start(MonitorConfig.defaults(), new RunEvaluator(rules, Inhibitions.none()));
    send(Events.pytorchNll("r"));

    sendBatches("r", 12, 17, step -> -0.2);

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(EventCodec.decode(dead.value())).isEqualTo(batch("r", 13).loss(-0.2).build());
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.STAGE)).isEqualTo("processing");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON))
        .isEqualTo("exception: java.lang.IllegalStateException: bug at step 13");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.EXCEPTION))
        .isEqualTo("java.lang.IllegalStateException");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.OFFSET)).isEqualTo("2");
    assertThat(alerts.readValuesToList())
        .extracting(Alert::rule, Alert::step)
        .containsExactly(tuple("negative_loss", 15L));
  }

  @Test
  void shouldHonourPerRunOverridesAndIgnoreInvalidOnes() {
    start(MonitorConfig.defaults());
    send(
        Events.withRules(
            Events.pytorchNll("quiet"), Map.of("negative_loss", Map.of("enabled", false))));
    send(
        Events.withRules(
            Events.pytorchNll("typo"), Map.of("negative_loss", Map.of("for_batches", "three"))));
    send(
        Events.withRules(
            Events.pytorchNll("patient"), Map.of("negative_loss", Map.of("for_batches", 10L))));
    sendBatches("quiet", 0, 20, step -> -0.2);
    sendBatches("typo", 0, 20, step -> -0.2);
    sendBatches("patient", 0, 20, step -> -0.2);

    // "quiet" turned negative_loss off: only the loss at initialization gives it away. "patient"
    // waits 10 batches for
    // negative_loss, so loss_at_init (not silenced by a merely pending alert) speaks first.
    assertThat(alerts.readValuesToList())
        .extracting(Alert::runId, Alert::rule, Alert::step)
        .containsExactly(
            tuple("quiet", "loss_at_init", 2L),
            tuple("typo", "negative_loss", 2L),
            tuple("patient", "loss_at_init", 2L),
            tuple("patient", "negative_loss", 9L));
  }

  @Test
  void shouldMonitorRunsThatNeverSentRunStarted() {
    start(MonitorConfig.defaults());

    sendBatches("anonymous", 0, 3, step -> -0.1);

    Alert a = alerts.readValue();
    assertThat(a.diagnosis()).isEqualTo("softmax_into_nll");
    assertThat(a.job()).isNull();
    assertThat(a.labels()).isEmpty();
  }

  @Test
  void shouldRaiseAStalledRunAlertOnTheWallClockAndResolveItWithTheNextBatch() {
    start(MonitorConfig.defaults());
    send(Events.dl4jMcxent("hung"));
    sendBatches("hung", 0, 10, step -> 1.0);
    send(Events.dl4jMcxent("finished"));
    sendBatches("finished", 0, 10, step -> 1.0);
    send(Events.ended("finished", 10));

    driver.advanceWallClockTime(Duration.ofSeconds(590));
    assertThat(alerts.isEmpty()).isTrue();
    driver.advanceWallClockTime(Duration.ofSeconds(20));

    Alert stalled = alerts.readValue();
    assertThat(stalled.alertId()).isEqualTo("hung/stalled_run");
    assertThat(stalled.status()).isEqualTo(AlertStatus.FIRING);
    assertThat(stalled.severity()).isEqualTo(Severity.ERROR);
    assertThat(stalled.diagnosis()).isEqualTo("stopped_reporting");
    assertThat(stalled.step()).isEqualTo(9L);
    assertThat(stalled.evidence())
        .containsEntry("last_step", 9L)
        .containsEntry("stall_seconds", 600L);
    // Noticed at the first wall-clock check after 600 s of silence (checks run every 10 s).
    assertThat(stalled.startsAt())
        .isBetween(
            TopologyFixture.WALL_START.plusSeconds(600),
            TopologyFixture.WALL_START.plusSeconds(610));
    assertThat(stalled.hint()).contains("jstack");
    assertThat(alerts.isEmpty())
        .as("one alert per incident, and none for the finished run")
        .isTrue();
    driver.advanceWallClockTime(Duration.ofSeconds(600));
    assertThat(alerts.isEmpty()).isTrue();

    send(batch("hung", 10).build());

    Alert resolved = alerts.readValue();
    assertThat(resolved.alertId()).isEqualTo("hung/stalled_run");
    assertThat(resolved.status()).isEqualTo(AlertStatus.RESOLVED);
    assertThat(resolved.revision()).isEqualTo(2);
    assertThat(resolved.endsAt()).isAfterOrEqualTo(resolved.startsAt());
  }

  @Test
  void shouldNotCallRunsStalledForTimeTheMonitorWasNotWatching() {
    start(MonitorConfig.defaults());
    // Events from long ago (event time) arrive now: silence is measured on the monitor's clock, not
    // event time.
    send(Events.dl4jMcxent("old"));
    sendBatches("old", 0, 3, step -> 1.0);

    driver.advanceWallClockTime(Duration.ofSeconds(300));

    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldForgetEndedRunsAfterTheRetention() {
    start(MonitorConfig.defaults());
    send(Events.dl4jMcxent("done"));
    sendBatches("done", 0, 10, step -> 1.0);
    send(Events.ended("done", 10));
    KeyValueStore<String, RunState> states =
        driver.getKeyValueStore(MonitorTopology.RUN_STATE_STORE);
    assertThat(states.get("done")).isNotNull();

    driver.advanceWallClockTime(Duration.ofMinutes(59));
    assertThat(states.get("done")).isNotNull();
    driver.advanceWallClockTime(Duration.ofMinutes(2));

    assertThat(states.get("done")).isNull();
    assertThat(driver.<String, Object>getKeyValueStore(MonitorTopology.RUN_INFO_STORE).get("done"))
        .isNull();
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldResolveOpenAlertsOfARunForgottenForSilence() {
    start(MonitorConfig.defaults());
    send(Events.pytorchNll("silent"));
    sendBatches("silent", 0, 3, step -> -0.1);
    assertThat(alerts.readValue().status()).isEqualTo(AlertStatus.FIRING);

    driver.advanceWallClockTime(Duration.ofMinutes(11));
    assertThat(alerts.readValue().rule()).isEqualTo("stalled_run");

    driver.advanceWallClockTime(Duration.ofHours(25));

    Alert resolved = alerts.readValue();
    assertThat(resolved.rule()).isEqualTo("negative_loss");
    assertThat(resolved.status()).isEqualTo(AlertStatus.RESOLVED);
    assertThat(resolved.revision()).isEqualTo(2);
    assertThat(resolved.evidence()).containsKey("idle_seconds");
    assertThat(alerts.readValue())
        .satisfies(
            a -> {
              assertThat(a.rule()).isEqualTo("stalled_run");
              assertThat(a.status()).isEqualTo(AlertStatus.RESOLVED);
            });
    assertThat(resolved.summary()).contains("run forgotten after");
    assertThat(
            driver
                .<String, RunState>getKeyValueStore(MonitorTopology.RUN_STATE_STORE)
                .get("silent"))
        .isNull();
  }

  @Test
  void shouldDeadLetterEventsOfRunsBeyondTheCap() throws Exception {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("monitor.runs.max", "1");
    start(MonitorConfig.parse(p));
    sendBatches("first", 0, 3, step -> -0.1);
    sendBatches("second", 0, 3, step -> -0.1);

    assertThat(alerts.readValuesToList()).extracting(Alert::runId).containsExactly("first");
    assertThat(
            driver
                .<String, RunState>getKeyValueStore(MonitorTopology.RUN_STATE_STORE)
                .get("second"))
        .isNull();
    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead)
        .hasSize(3)
        .allSatisfy(
            r -> {
              assertThat(r.key()).isEqualTo(key("second"));
              assertThat(DeadLetters.header(r.headers(), DeadLetters.STAGE)).isEqualTo("run");
              assertThat(DeadLetters.header(r.headers(), DeadLetters.REASON))
                  .isEqualTo(
                      "run not monitored: this instance already tracks 1 runs (monitor.runs.max=1); raise the cap or add "
                          + "instances");
            });
    assertThat(dead)
        .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.OFFSET))
        .containsExactly("3", "4", "5");
  }

  @Test
  void shouldDeadLetterEventsThatDoNotFitTheirRunsHistoryUnchanged() {
    start(MonitorConfig.defaults());
    send(Events.pytorchNll("r"));
    sendBatches("r", 0, 5, step -> 1.0);
    BatchEvent repeated = batch("r", 4).loss(-0.5).build();
    send(repeated);
    send(batch("r", 1).loss(-0.5).build());
    send(batch("r", 5).loss(1.0).build());
    send(Events.ended("r", 6));
    send(batch("r", 6).loss(Double.NaN).build());
    send(Events.ended("r", 7));
    send(Events.ended("never-started", 3));

    assertThat(alerts.isEmpty())
        .as("neither the repeated bad batches nor the NaN after the end count")
        .isTrue();
    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead)
        .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.REASON))
        .containsExactly(
            "step 4: repeats the run's last step 4 (steps increase within a run)",
            "step 1: goes back from the run's last step 4 (steps increase within a run)",
            "step 6: the run had ended (run_ended received); a resumed run sends run_started first",
            "run_ended: the run had already ended",
            "run_ended: no such run here (never started, or forgotten after monitor.runs.ended_retention_seconds or "
                + "monitor.runs.idle_retention_seconds)");
    assertThat(dead.get(0).value()).as("the original bytes").isEqualTo(EventCodec.encode(repeated));
    assertThat(dead.get(0).key()).isEqualTo(key("r"));
    assertThat(dead)
        .allSatisfy(
            r -> {
              assertThat(DeadLetters.header(r.headers(), DeadLetters.STAGE)).isEqualTo("run");
              assertThat(DeadLetters.header(r.headers(), DeadLetters.TOPIC))
                  .isEqualTo(Topics.EVENTS);
            });
    assertThat(dead)
        .extracting(r -> DeadLetters.header(r.headers(), DeadLetters.OFFSET))
        .containsExactly("6", "7", "10", "11", "12");
  }

  @Test
  void shouldWatchARunAgainWhenItStartsAfterItsEnd() {
    start(MonitorConfig.defaults());
    send(Events.pytorchNll("resumed"));
    sendBatches("resumed", 0, 5, step -> 1.0);
    send(Events.ended("resumed", 5));
    send(Events.pytorchNll("resumed"));
    sendBatches("resumed", 3, 6, step -> -0.3);

    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(alerts.readValuesToList())
        .extracting(Alert::rule, Alert::status)
        .containsExactly(tuple("negative_loss", AlertStatus.FIRING));
  }

  @Test
  void shouldNameEveryNodeAndStore() {
    Topology t = MonitorTopology.build(MonitorConfig.defaults());

    String description = t.describe().toString();

    assertThat(description)
        .contains(
            "Source: " + MonitorTopology.SOURCE,
            "Processor: " + MonitorTopology.DECODE,
            "Processor: " + MonitorTopology.EVALUATE,
            "Processor: " + MonitorTopology.ALERTS_SINK,
            "Sink: " + MonitorTopology.DLQ_SINK,
            MonitorTopology.RUN_STATE_STORE,
            MonitorTopology.RUN_INFO_STORE);
  }

  private void start(MonitorConfig config) {
    start(config, RunEvaluator.standard());
  }

  private void start(MonitorConfig config, RunEvaluator evaluator) {
    start(config, evaluator, TopologyMetrics.NONE);
  }

  private void start(MonitorConfig config, RunEvaluator evaluator, TopologyMetrics metrics) {
    topology = new TopologyFixture(stateDir, "topology-test", config, evaluator, metrics);
    driver = topology.driver;
    events = topology.events;
    alerts = topology.alerts;
    deadLetters = topology.deadLetters;
  }

  @Test
  void shouldKeepTheFiringAlertInTheActiveTopicUntilItResolves() {
    start(MonitorConfig.defaults());
    var active =
        driver.createOutputTopic(
            Topics.ALERTS_ACTIVE, new StringDeserializer(), StateSerdes.alertDeserializer());
    send(Events.pytorchNll("cifar-42"));
    sendBatches("cifar-42", 0, 30, step -> -(10 + step) / 100.0);

    var open = active.readKeyValuesToList();
    assertThat(open)
        .singleElement()
        .satisfies(kv -> assertThat(kv.key).isEqualTo("cifar-42/negative_loss"));
    assertThat(open.get(0).value).isEqualTo(alerts.readValuesToList().get(0));

    send(Events.ended("cifar-42", 30));

    var closed = active.readKeyValuesToList();
    assertThat(closed)
        .singleElement()
        .satisfies(
            kv -> {
              assertThat(kv.key).isEqualTo("cifar-42/negative_loss");
              assertThat(kv.value).as("a tombstone").isNull();
            });
    assertThat(alerts.readValuesToList())
        .extracting(Alert::status)
        .containsExactly(AlertStatus.RESOLVED);
  }

  @Test
  void shouldJudgeTheEventsOfANewerTrainerThatSendsFieldsThisMonitorDoesNotKnow() {
    start(MonitorConfig.defaults());
    sendFromNewerTrainer(Events.pytorchNll("newer"));
    for (int step = 0; step < 30; step++) {
      sendFromNewerTrainer(batch("newer", step).loss(-(10 + step) / 100.0).build());
    }

    List<Alert> out = alerts.readValuesToList();

    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(out)
        .extracting(Alert::rule, Alert::diagnosis)
        .containsExactly(tuple("negative_loss", "softmax_into_nll"));
  }

  @Test
  void shouldCountTheFieldsANewerTrainerSendsAndTheRunsThatSendThem() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    start(MonitorConfig.defaults(), RunEvaluator.standard(), new MonitorMetrics(registry));
    sendFromNewerTrainer(Events.pytorchNll("newer-1"));
    sendFromNewerTrainer(batch("newer-1", 0).loss(2.3).build());
    sendFromNewerTrainer(Events.pytorchNll("newer-2"));
    send(Events.pytorchNll("older"));

    assertThat(deadLetters.isEmpty()).isTrue();
    // Two unknown fields per event of a newer trainer (tokens_per_s, zz), three such events.
    assertThat(registry.get("trainwatch.events.unknown.fields").counter().count()).isEqualTo(6);
    assertThat(registry.get("trainwatch.runs.with.unknown.fields").counter().count()).isEqualTo(2);
  }

  /** The event as a trainer of a later contract would write it: one field more, at the end. */
  private void sendFromNewerTrainer(TrainingEvent e) {
    String json = new String(EventCodec.encode(e), StandardCharsets.UTF_8);
    byte[] newer =
        (json.substring(0, json.length() - 1) + ",\"tokens_per_s\":1234.5,\"zz\":{\"a\":[1]}}")
            .getBytes(StandardCharsets.UTF_8);
    events.pipeInput(key(e.runId()), newer, e.tsMs());
  }

  private void send(TrainingEvent e) {
    topology.send(e);
  }

  private void sendBatches(String runId, int from, int to, DoubleUnaryOperator lossAtStep) {
    for (int step = from; step < to; step++) {
      send(batch(runId, step).loss(lossAtStep.applyAsDouble(step)).build());
    }
  }

  private static byte[] key(String runId) {
    return runId.getBytes(StandardCharsets.UTF_8);
  }
}
