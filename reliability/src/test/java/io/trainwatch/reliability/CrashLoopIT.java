package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Topics;
import io.trainwatch.trainer.KafkaPublisherSettings;
import io.trainwatch.trainer.TrainwatchListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-loop guard with real parts: a DL4J job checkpoints at steps 10 and 20 and dies of NaN
 * at step 25; a scheduler restarts it three times from the checkpoint of step 20, and every restart
 * dies of the same NaN before saving anything newer. The fourth restart is told to stop as it
 * starts, and the job gets one critical crash_loop alert.
 */
class CrashLoopIT {

  private static final String JOB = "loop-job";

  @Test
  void shouldStopTheFourthRestartOfAJobThatDiesTheSameWay(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        Monitor monitor =
            Monitor.start(
                MonitorOptions.of(broker.bootstrapServers())
                    .withApplicationId("crash-loop-" + System.nanoTime())
                    .withStateDir(tmp.resolve("state"))
                    .withConfig(MonitorConfig.parse(Map.of())))) {
      // Attempt 0: from scratch, checkpoints at 10 and 20, NaN weights after step 24.
      Path resumeFrom = crash(broker, 0, NanInjectedTraining.newNet(1), 30, tmp);
      assertThat(resumeFrom.getFileName().toString()).isEqualTo("step-20.zip");
      // Restarts 1-3: from step 20, the same NaN after step 24, nothing newer saved.
      for (int attempt = 1; attempt <= 3; attempt++) {
        crash(
            broker,
            attempt,
            ModelSerializer.restoreMultiLayerNetwork(resumeFrom.toFile(), true),
            8,
            tmp);
      }
      assertThat(alerts(broker, "loop-job-a3", "nonfinite_loss")).hasSize(1);

      // Restart 4: told to stop as it starts.
      TrainwatchListener fourth = listener(broker, 4, tmp);
      NanInjectedTraining.Outcome o =
          NanInjectedTraining.train(
              fourth,
              ModelSerializer.restoreMultiLayerNetwork(resumeFrom.toFile(), true),
              60,
              -1,
              200,
              5);
      fourth.close();

      List<Alert> loops = alerts(broker, null, "crash_loop");
      System.out.printf(
          "crash loop: %d crash_loop alert(s); restart 4 ran %d of 60 steps: %s%n",
          loops.size(), o.stepsRun(), o.stopReason());
      assertThat(loops).hasSize(1);
      Alert loop = loops.get(0);
      assertThat(loop.alertId()).isEqualTo(JOB + "/crash_loop");
      assertThat(loop.runId()).isEqualTo("loop-job-a4");
      assertThat(loop.evidence())
          .containsEntry("attempts_in_a_row", 3L)
          .containsEntry("fault", "nonfinite_loss")
          .containsEntry("last_checkpoint_step", 20L);
      assertThat(loop.actions()).hasSize(1);
      assertThat(o.stopRequested()).isTrue();
      assertThat(o.stopReason()).contains(loop.alertId());
      assertThat(o.stepsRun()).isLessThan(60);
    }
  }

  /** One attempt that trains until its NaN, then fails; returns its newest checkpoint. */
  private static Path crash(
      EmbeddedKafkaBroker broker, int attempt, MultiLayerNetwork net, int steps, Path tmp) {
    TrainwatchListener l = listener(broker, attempt, tmp);
    NanInjectedTraining.train(l, net, steps, 24, 20, attempt);
    l.end(RunStatus.FAILED, "loss is NaN");
    l.close();
    // The scheduler notices the crash, then restarts: the monitor has seen the fault by then.
    alerts(broker, runId(attempt), "nonfinite_loss");
    List<Path> kept = l.checkpoints();
    return kept.isEmpty() ? null : kept.get(kept.size() - 1);
  }

  private static TrainwatchListener listener(EmbeddedKafkaBroker broker, int attempt, Path tmp) {
    return TrainwatchListener.builder()
        .kafka(KafkaPublisherSettings.defaults(broker.bootstrapServers()))
        .control()
        .runId(runId(attempt))
        .job(JOB)
        .attempt(attempt)
        .checkpoints(tmp.resolve("ckpt-" + attempt), 10, 3)
        .build();
  }

  private static String runId(int attempt) {
    return JOB + "-a" + attempt;
  }

  private static List<Alert> alerts(EmbeddedKafkaBroker broker, String runId, String rule) {
    return KafkaFixtures.alerts(
            KafkaFixtures.readAll(
                broker.adminClientConfig(),
                Topics.ALERTS,
                r ->
                    KafkaFixtures.alerts(r).stream()
                        .anyMatch(
                            a ->
                                a.firing()
                                    && a.rule().equals(rule)
                                    && (runId == null || a.runId().equals(runId))),
                Duration.ofSeconds(1),
                Duration.ofSeconds(60)))
        .stream()
        .filter(
            a -> a.firing() && a.rule().equals(rule) && (runId == null || a.runId().equals(runId)))
        .toList();
  }
}
