package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertAction;
import io.trainwatch.schemas.ControlCodec;
import io.trainwatch.schemas.ControlCommand;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.trainer.KafkaPublisherSettings;
import io.trainwatch.trainer.TrainwatchListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The loop closed with real parts: real DL4J trainings whose weights turn NaN, the embedded broker,
 * the monitor with a {@code stop} policy. Every run stops within a few steps of its alert, and the
 * checkpoint its alert names (the newest saved before the NaN) is pinned and still on disk after
 * the rotation that would have deleted it; with {@code dry_run} a run trains on and the log says
 * what would have happened.
 */
class ClosedLoopIT {

  /**
   * Checkpoints at 10, 20, 30 (NaN weights), 40...; two kept: the stop's own save rotates 20 out.
   */
  private static final int EVERY = 10;

  private static final int KEEP = 2;
  private static final int INJECT_AT = 30;
  private static final int MAX_STEPS = 120;
  private static final long PACE_MS = 300;
  private static final int RUNS = 10;

  @Test
  void shouldStopEveryNanRunAndKeepItsLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        Monitor monitor =
            Monitor.start(
                options(
                    broker,
                    tmp,
                    Map.of(
                        "actions.policies", "stop_on_nan",
                        "actions.policy.stop_on_nan.rules", "nonfinite_loss",
                        "actions.policy.stop_on_nan.jobs", "nan-*",
                        "actions.policy.stop_on_nan.commands", "pin_checkpoint,stop")))) {
      List<TrainwatchListener> listeners = new ArrayList<>();
      List<Future<NanInjectedTraining.Outcome>> outcomes = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(RUNS);
      try {
        for (int i = 0; i < RUNS; i++) {
          TrainwatchListener l = listener(broker, "nan-" + i, "nan-job", tmp.resolve("ckpt-" + i));
          listeners.add(l);
          long seed = 100 + i;
          outcomes.add(
              pool.submit(() -> NanInjectedTraining.train(l, MAX_STEPS, INJECT_AT, PACE_MS, seed)));
        }
        List<String> figures = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
          NanInjectedTraining.Outcome o = outcomes.get(i).get();
          TrainwatchListener l = listeners.get(i);
          l.close();
          String runId = "nan-" + i;
          Alert alert = firing(broker, runId, "nonfinite_loss");
          AlertAction pin = action(alert, "pin_checkpoint");
          long alertStep = alert.step();

          assertThat(o.stopRequested()).as(runId + " stopped").isTrue();
          assertThat(o.stopReason()).contains("stopped by trainwatch").contains(alert.alertId());
          assertThat(o.stepsRun()).as(runId + " steps run").isLessThan(MAX_STEPS);
          // The alert is at the first NaN loss, one step after the weights turned NaN.
          assertThat(alertStep).isEqualTo(INJECT_AT + 1);
          // Within a few steps of the alert: before the next periodic checkpoint, which would
          // otherwise have rotated the good one out.
          long stoppedAt = o.stepsRun() - 1;
          assertThat(stoppedAt - alertStep)
              .as(runId + " steps from alert to stop")
              .isLessThan(EVERY);

          // The last good checkpoint is the one saved before the NaN: 20, not 30.
          assertThat(pin.checkpointStep()).isEqualTo(INJECT_AT - EVERY);
          Path pinned = Path.of(pin.checkpointLocation());
          assertThat(l.checkpoints()).as(runId + " checkpoints kept").contains(pinned);
          assertThat(Files.exists(pinned)).as(runId + " pinned checkpoint on disk").isTrue();
          // ... and rotation did delete what it would have deleted, a pinned one aside.
          assertThat(l.checkpoints()).hasSize(KEEP + 1);
          INDArray params = ModelSerializer.restoreMultiLayerNetwork(pinned.toFile()).params();
          assertThat(params.isNaN().any() || params.isInfinite().any())
              .as(runId + " pinned weights finite")
              .isFalse();
          RunEnded ended = ended(broker, runId);
          assertThat(ended.status()).isEqualTo(RunStatus.KILLED);
          assertThat(ended.reason()).startsWith("stopped by trainwatch at step " + stoppedAt);
          assertThat(alert.actionLines())
              .anySatisfy(line -> assertThat(line).startsWith("trainwatch stopped run " + runId));
          figures.add(runId + ": alert at " + alertStep + ", stopped at " + stoppedAt);
        }
        List<ControlCommand> commands = commands(broker);
        assertThat(commands).hasSize(2 * RUNS);
        System.out.printf(
            "closed loop: %d NaN runs, %d stopped, %d pinned checkpoints kept; %s%n",
            RUNS, RUNS, RUNS, String.join("; ", figures));
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void shouldKeepTrainingInADryRunAndLogWhatWouldHaveHappened(@TempDir Path tmp) throws Exception {
    try (StderrCapture log = StderrCapture.start();
        EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        Monitor monitor =
            Monitor.start(
                options(
                    broker,
                    tmp,
                    Map.of(
                        "actions.dry_run", "true",
                        "actions.policies", "stop_on_nan",
                        "actions.policy.stop_on_nan.commands", "pin_checkpoint,stop")))) {
      TrainwatchListener l = listener(broker, "dry-0", "nan-job", tmp.resolve("ckpt"));
      NanInjectedTraining.Outcome o = NanInjectedTraining.train(l, 60, INJECT_AT, 60, 7);
      Alert alert = firing(broker, "dry-0", "nonfinite_loss");
      l.close();

      assertThat(o.stopRequested()).isFalse();
      assertThat(o.stepsRun()).isEqualTo(60);
      assertThat(alert.actions()).extracting(AlertAction::dryRun).containsOnly(true);
      assertThat(log.text())
          .contains("dry run: trainwatch would have stopped run dry-0 at step " + (INJECT_AT + 1))
          .contains("dry run: trainwatch would have pinned the checkpoint of run dry-0");
      assertThat(commands(broker)).isEmpty();
      assertThat(ended(broker, "dry-0").status()).isEqualTo(RunStatus.COMPLETED);
    }
  }

  private static MonitorOptions options(
      EmbeddedKafkaBroker broker, Path tmp, Map<String, String> actions) {
    return MonitorOptions.of(broker.bootstrapServers())
        .withApplicationId("closed-loop-" + System.nanoTime())
        .withStateDir(tmp.resolve("state"))
        .withConfig(MonitorConfig.parse(actions));
  }

  private static TrainwatchListener listener(
      EmbeddedKafkaBroker broker, String runId, String job, Path dir) {
    return TrainwatchListener.builder()
        .kafka(KafkaPublisherSettings.defaults(broker.bootstrapServers()))
        .control()
        .runId(runId)
        .job(job)
        .checkpoints(dir, EVERY, KEEP)
        .build();
  }

  private static Alert firing(EmbeddedKafkaBroker broker, String runId, String rule) {
    List<Alert> found =
        KafkaFixtures.alerts(
                KafkaFixtures.readAll(
                    broker.adminClientConfig(),
                    Topics.ALERTS,
                    r ->
                        KafkaFixtures.alerts(r).stream()
                            .anyMatch(a -> a.firing() && a.runId().equals(runId)),
                    Duration.ZERO,
                    Duration.ofSeconds(60)))
            .stream()
            .filter(a -> a.firing() && a.runId().equals(runId) && a.rule().equals(rule))
            .toList();
    assertThat(found).as("firing " + rule + " alerts of " + runId).hasSize(1);
    return found.get(0);
  }

  private static AlertAction action(Alert alert, String action) {
    return alert.actions().stream()
        .filter(a -> a.action().equals(action))
        .findFirst()
        .orElseThrow(() -> new AssertionError(alert.alertId() + ": no " + action));
  }

  private static RunEnded ended(EmbeddedKafkaBroker broker, String runId) {
    List<ConsumerRecord<byte[], byte[]>> events =
        KafkaFixtures.readAll(
            broker.adminClientConfig(),
            Topics.EVENTS,
            r -> r.stream().anyMatch(rec -> isEnd(rec, runId)),
            Duration.ZERO,
            Duration.ofSeconds(30));
    return events.stream()
        .filter(rec -> isEnd(rec, runId))
        .map(rec -> (RunEnded) EventCodec.decode(rec.value()))
        .findFirst()
        .orElseThrow();
  }

  private static boolean isEnd(ConsumerRecord<byte[], byte[]> rec, String runId) {
    TrainingEvent e = EventCodec.decode(rec.value());
    return e instanceof RunEnded && e.runId().equals(runId);
  }

  private static List<ControlCommand> commands(EmbeddedKafkaBroker broker) {
    return KafkaFixtures.readAll(
            broker.adminClientConfig(),
            Topics.CONTROL,
            r -> true,
            Duration.ofSeconds(2),
            Duration.ofSeconds(10))
        .stream()
        .map(r -> ControlCodec.decode(r.value()))
        .toList();
  }
}
