package io.trainwatch.monitor.streams;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertAction;
import io.trainwatch.schemas.CheckpointEvent;
import io.trainwatch.schemas.CommandType;
import io.trainwatch.schemas.ControlCodec;
import io.trainwatch.schemas.ControlCommand;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints, recovery advice and commands through the real topology (TopologyTestDriver). */
class ClosedLoopTopologyTest {

  @TempDir Path stateDir;

  private TopologyFixture topology;
  private TopologyTestDriver driver;
  private TestOutputTopic<String, Alert> alerts;
  private TestOutputTopic<String, byte[]> control;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  @AfterEach
  void close() {
    if (topology != null) {
      topology.close();
    }
  }

  @Test
  void shouldNameTheLastCheckpointSavedBeforeTheOnsetAndSendNothingByDefault() {
    start(Map.of());
    nanRun("r1", 23);

    Alert firing = alerts.readValuesToList().get(0);
    assertThat(firing.rule()).isEqualTo("nonfinite_loss");
    assertThat(firing.step()).isEqualTo(23L);
    // Saved at 10, 15, 20 and 22: the batch at 23 was the first judged on the weights of 22, and
    // it was NaN, so 22 is suspect; 20's weights gave a healthy loss at 21.
    assertThat(firing.evidence())
        .containsEntry("onset_step", 23L)
        .containsEntry("last_good_checkpoint", "/ckpt/r1/step-20.zip")
        .containsEntry("last_good_checkpoint_step", 20L)
        .containsEntry("skip_from", 21L)
        .containsEntry("skip_to", 23L);
    assertThat(firing.hint())
        .contains("restore /ckpt/r1/step-20.zip (step 20")
        .contains("ModelSerializer.restoreMultiLayerNetwork")
        .contains("skip batches 21..23");
    assertThat(firing.actions()).isEmpty();
    assertThat(control.isEmpty()).isTrue();
  }

  @Test
  void shouldWriteThePolicysCommandsWithTheAlertAndAuditThem() {
    start(
        Map.of(
            "actions.policies", "stop_on_nan",
            "actions.policy.stop_on_nan.rules", "nonfinite_loss",
            "actions.policy.stop_on_nan.min_severity", "critical",
            "actions.policy.stop_on_nan.jobs", "job-*",
            "actions.policy.stop_on_nan.commands", "pin_checkpoint,stop"));
    nanRun("r2", 30);

    Alert firing = alerts.readValuesToList().get(0);
    List<ControlCommand> commands = commands();
    assertThat(commands)
        .extracting(
            ControlCommand::command,
            ControlCommand::runId,
            ControlCommand::checkpointStep,
            ControlCommand::checkpointLocation)
        .containsExactly(
            tuple(CommandType.PIN_CHECKPOINT, "r2", 25L, "/ckpt/r2/step-25.zip"),
            tuple(CommandType.STOP, "r2", 25L, "/ckpt/r2/step-25.zip"));
    for (ControlCommand c : commands) {
      assertThat(c.alertId()).isEqualTo(firing.alertId());
      assertThat(c.alertEventId()).isEqualTo(firing.eventId());
      assertThat(c.reason()).isEqualTo(firing.summary());
      assertThat(c.alertStep()).isEqualTo(30L);
    }
    assertThat(firing.actions())
        .extracting(AlertAction::action, AlertAction::commandId, AlertAction::dryRun)
        .containsExactly(
            tuple("pin_checkpoint", commands.get(0).commandId(), false),
            tuple("stop", commands.get(1).commandId(), false));
    assertThat(firing.actionLines().get(1))
        .startsWith(
            "trainwatch stopped run r2 at step 30 (last good checkpoint /ckpt/r2/step-25.zip,"
                + " step 25) because r2: nonfinite_loss");
  }

  @Test
  void shouldOnlyAuditInADryRun() {
    start(
        Map.of(
            "actions.dry_run", "true",
            "actions.policies", "stop_on_nan",
            "actions.policy.stop_on_nan.commands", "stop"));
    nanRun("r3", 30);

    Alert firing = alerts.readValuesToList().get(0);
    assertThat(control.isEmpty()).isTrue();
    assertThat(firing.actions())
        .extracting(AlertAction::action, AlertAction::dryRun, AlertAction::commandId)
        .containsExactly(tuple("stop", true, null));
    assertThat(firing.actionLines().get(0)).startsWith("trainwatch would have stopped run r3");
  }

  @Test
  void shouldNotActOnAnotherJobOrAMilderSeverity() {
    start(
        Map.of(
            "actions.policies", "a,b",
            "actions.policy.a.jobs", "llm-*",
            "actions.policy.a.commands", "stop",
            "actions.policy.b.rules", "loss_plateau,nonfinite_loss",
            "actions.policy.b.min_severity", "critical",
            "actions.policy.b.jobs", "job-pytorch",
            "actions.policy.b.commands", "checkpoint_now"));
    nanRun("r4", 30);

    assertThat(alerts.readValuesToList().get(0).actions()).isEmpty();
    assertThat(control.isEmpty()).isTrue();
  }

  @Test
  void shouldSayWhenNoCheckpointBeforeTheOnsetIsKnownAndNotPin() {
    start(
        Map.of(
            "actions.policies", "p",
            "actions.policy.p.commands", "pin_checkpoint,stop"));
    send(Events.dl4jMcxent("r5"));
    for (int step = 0; step < 5; step++) {
      send(batch("r5", step).loss(2.0).build());
    }
    send(new CheckpointEvent("r5", Events.ts(4) + 1, 4, "/ckpt/r5/step-4.zip", null));
    send(batch("r5", 5).loss(Double.NaN).build());

    Alert firing = alerts.readValuesToList().get(0);
    assertThat(firing.evidence()).containsEntry("last_good_checkpoint", null);
    assertThat(firing.hint()).contains("no checkpoint saved before the onset at step 5");
    assertThat(commands()).extracting(ControlCommand::command).containsExactly(CommandType.STOP);
  }

  @Test
  void shouldActOnEveryRankOfAJobWhenAPolicyMatchesAJobRulesAlert() {
    start(
        Map.of(
            "actions.policies", "stragglers",
            "actions.policy.stragglers.rules", "straggler_rank,job_hang",
            "actions.policy.stragglers.jobs", "vit",
            "actions.policy.stragglers.commands", "checkpoint_now,stop"));
    // An 8-rank job whose rank 5 computes 20% slower from step 20: straggler_rank on rank 5.
    for (int r = 0; r < 8; r++) {
      send(Events.rankStarted(rank("vit", r), "vit", "node-" + r / 4, r, 8, "cuda:" + r % 4, 0));
    }
    Random rnd = new Random(7);
    for (int step = 0; step < 60; step++) {
      for (int r = 0; r < 8; r++) {
        double compute =
            100 * Math.exp(0.03 * rnd.nextGaussian()) * (r == 5 && step >= 20 ? 1.2 : 1);
        send(batch(rank("vit", r), step).build().withPhases(10.0, compute));
      }
    }

    Alert straggler = alerts.readValuesToList().get(0);
    assertThat(straggler.alertId()).isEqualTo(rank("vit", 5) + "/straggler_rank");
    List<ControlCommand> sent = commands();
    // The job's ranks cannot go on without each other: each is asked, in the alert's transaction.
    assertThat(sent)
        .extracting(ControlCommand::command, ControlCommand::runId)
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, 8)
                .boxed()
                .flatMap(
                    r ->
                        java.util.stream.Stream.of(
                            tuple(CommandType.CHECKPOINT_NOW, rank("vit", r)),
                            tuple(CommandType.STOP, rank("vit", r))))
                .toList());
    assertThat(sent)
        .allSatisfy(
            c -> {
              assertThat(c.alertId()).isEqualTo(straggler.alertId());
              assertThat(c.alertEventId()).isEqualTo(straggler.eventId());
              assertThat(c.job()).isEqualTo("vit");
              assertThat(c.rule()).isEqualTo("straggler_rank");
            });
    assertThat(straggler.actions())
        .hasSize(16)
        .allSatisfy(a -> assertThat(a.policy()).isEqualTo("stragglers"));
  }

  @Test
  void shouldActOnTheRunsThatImplicatedASuspectHost() {
    start(
        Map.of(
            "actions.policies", "bad_hosts",
            "actions.policy.bad_hosts.rules", "suspect_node",
            "actions.policy.bad_hosts.commands", "stop"));
    // Rank 3 of two jobs runs on bad-node and goes NaN alone: suspect_node for bad-node.
    for (String job : List.of("job-x", "job-y")) {
      for (int r = 0; r < 4; r++) {
        String host = r == 3 ? "bad-node" : "host-0";
        send(Events.rankStarted(rank(job, r), job, host, r, 4, "cuda:" + r, 0));
      }
      for (int step = 0; step < 12; step++) {
        for (int r = 0; r < 4; r++) {
          double loss = r == 3 && step == 10 ? Double.NaN : 2.0;
          send(batch(rank(job, r), step).loss(loss).build().withPhases(10.0, 100.0));
        }
      }
    }
    driver.advanceWallClockTime(java.time.Duration.ofSeconds(10));

    Alert suspect =
        alerts.readValuesToList().stream()
            .filter(a -> a.rule().equals("suspect_node"))
            .findFirst()
            .orElseThrow();
    List<ControlCommand> sent = commands();
    assertThat(sent)
        .extracting(ControlCommand::command, ControlCommand::runId, ControlCommand::alertId)
        .containsExactly(
            tuple(CommandType.STOP, rank("job-x", 3), "bad-node/suspect_node"),
            tuple(CommandType.STOP, rank("job-y", 3), "bad-node/suspect_node"));
    assertThat(suspect.actions())
        .extracting(AlertAction::runId)
        .containsExactly(rank("job-x", 3), rank("job-y", 3));
  }

  @Test
  void shouldAskNothingOfAJobWithoutAMatchingPolicy() {
    start(
        Map.of(
            "actions.policies", "other",
            "actions.policy.other.rules", "job_hang",
            "actions.policy.other.commands", "stop"));
    for (int r = 0; r < 4; r++) {
      send(Events.rankStarted(rank("bert", r), "bert", "node-0", r, 4, "cuda:" + r, 0));
    }
    Random rnd = new Random(7);
    for (int step = 0; step < 60; step++) {
      for (int r = 0; r < 4; r++) {
        double compute =
            100 * Math.exp(0.03 * rnd.nextGaussian()) * (r == 2 && step >= 20 ? 1.2 : 1);
        send(batch(rank("bert", r), step).build().withPhases(10.0, compute));
      }
    }

    assertThat(alerts.readValuesToList())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.rule()).isEqualTo("straggler_rank");
              assertThat(a.actions()).isEmpty();
            });
    assertThat(control.isEmpty()).isTrue();
  }

  @Test
  void shouldDeadLetterACheckpointOfAnUnknownRun() {
    start(Map.of());
    send(CheckpointEvent.of("nobody", 1L, 3, "/x"));

    assertThat(deadLetters.readRecordsToList()).hasSize(1);
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldStopTheFourthRestartOfAJobThatCrashLoops() {
    start(Map.of());
    // Attempt 0 checkpoints at 10 and 20, then goes NaN; restarts 1, 2 and 3 resume from 20 and go
    // NaN at the same place before saving anything newer.
    crashingAttempt("llm-a0", 0, 0, List.of(10L, 20L), 25);
    crashingAttempt("llm-a1", 1, 21, List.of(), 25);
    crashingAttempt("llm-a2", 2, 21, List.of(), 25);
    crashingAttempt("llm-a3", 3, 21, List.of(), 25);
    assertThat(alerts.readValuesToList()).noneMatch(a -> a.rule().equals("crash_loop"));
    assertThat(commands()).isEmpty();

    send(started("llm-a4", 4));

    List<Alert> loops =
        alerts.readValuesToList().stream().filter(a -> a.rule().equals("crash_loop")).toList();
    assertThat(loops).hasSize(1);
    Alert loop = loops.get(0);
    assertThat(loop.alertId()).isEqualTo("llm/crash_loop");
    assertThat(loop.severity()).isEqualTo(io.trainwatch.schemas.Severity.CRITICAL);
    assertThat(loop.runId()).isEqualTo("llm-a4");
    assertThat(loop.evidence())
        .containsEntry("attempts_in_a_row", 3L)
        .containsEntry("fault", "nonfinite_loss")
        .containsEntry("last_checkpoint_step", 20L);
    assertThat(loop.summary()).contains("3 attempts in a row failed with nonfinite_loss");
    List<ControlCommand> stops = commands();
    assertThat(stops)
        .extracting(ControlCommand::command, ControlCommand::runId, ControlCommand::alertEventId)
        .containsExactly(tuple(CommandType.STOP, "llm-a4", loop.eventId()));
    assertThat(loop.actions())
        .extracting(AlertAction::commandId)
        .containsExactly(stops.get(0).commandId());

    // Another rank of the stopped attempt is told to stop too; the page is not repeated.
    send(started("llm-a4-r1", 4));
    assertThat(commands()).extracting(ControlCommand::runId).containsExactly("llm-a4-r1");
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldNotCallItACrashLoopWhenEveryAttemptSavesANewerCheckpoint() {
    start(Map.of());
    crashingAttempt("p-a0", 0, 0, List.of(10L), 25);
    crashingAttempt("p-a1", 1, 11, List.of(20L), 25);
    crashingAttempt("p-a2", 2, 21, List.of(24L), 25);
    crashingAttempt("p-a3", 3, 25, List.of(), 25);
    send(started("p-a4", 4));

    assertThat(alerts.readValuesToList()).noneMatch(a -> a.rule().equals("crash_loop"));
    assertThat(commands()).isEmpty();
  }

  private static io.trainwatch.schemas.RunStarted started(String runId, int attempt) {
    io.trainwatch.schemas.RunStarted s = Events.dl4jMcxent(runId);
    return new io.trainwatch.schemas.RunStarted(
        runId,
        s.tsMs(),
        s.framework(),
        runId.startsWith("llm") ? "llm" : "p",
        s.host(),
        0,
        1,
        null,
        attempt,
        s.model(),
        s.labels(),
        s.numClasses(),
        s.inputRange(),
        null,
        s.loss(),
        Map.of());
  }

  /**
   * One attempt: starts at {@code from}, saves the given checkpoints, goes NaN at {@code nanAt}.
   */
  private void crashingAttempt(
      String runId, int attempt, int from, List<Long> checkpointsAt, int nanAt) {
    send(started(runId, attempt));
    for (int step = from; step <= nanAt; step++) {
      send(batch(runId, step).loss(step == nanAt ? Double.NaN : 2.0).build());
      if (checkpointsAt.contains((long) step)) {
        send(CheckpointEvent.of(runId, Events.ts(step) + 1, step, "/c/" + runId + "/" + step));
      }
    }
    send(
        new io.trainwatch.schemas.RunEnded(
            runId, Events.ts(nanAt) + 10, io.trainwatch.schemas.RunStatus.FAILED, "NaN"));
  }

  /** A DL4J run checkpointing every 5 steps from 10 (and at 22), NaN from {@code nanAt}. */
  private void nanRun(String runId, int nanAt) {
    send(Events.dl4jMcxent(runId));
    for (int step = 0; step <= nanAt; step++) {
      boolean nan = step >= nanAt;
      send(batch(runId, step).loss(nan ? Double.NaN : 2.0 - step * 0.01).build());
      if (!nan && step >= 10 && (step % 5 == 0 || step == 22)) {
        send(
            CheckpointEvent.of(
                runId, Events.ts(step) + 1, step, "/ckpt/" + runId + "/step-" + step + ".zip"));
      }
    }
  }

  private static String rank(String job, int rank) {
    return job + "-rank" + rank;
  }

  private List<ControlCommand> commands() {
    return control.readRecordsToList().stream()
        .peek(r -> assertThat(r.key()).isEqualTo(ControlCodec.decode(r.value()).runId()))
        .map(r -> ControlCodec.decode(r.value()))
        .toList();
  }

  private void start(Map<String, String> keys) {
    topology = new TopologyFixture(stateDir, "closed-loop-test", MonitorConfig.parse(keys));
    driver = topology.driver;
    alerts = topology.alerts;
    control = topology.control;
    deadLetters = topology.deadLetters;
  }

  private void send(TrainingEvent e) {
    topology.send(e);
  }
}
