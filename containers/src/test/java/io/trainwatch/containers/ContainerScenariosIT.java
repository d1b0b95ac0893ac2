package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Alert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.lifecycle.Startables;

/**
 * The seed scenarios, run by the images: the broker and the monitor as containers, the four demo
 * training runs as trainer containers (real DL4J), all on host networking. The faulty runs must
 * alert with the right hints, the healthy one must not; then the monitor and the broker must stop
 * cleanly on SIGTERM.
 */
@RequiresDockerEngine
class ContainerScenariosIT {

  /**
   * Enough for every fault to show (each rule needs a few batches; the faults start at step 0) and
   * for the healthy run to prove it raises nothing over many batches, at a fraction of the demo's
   * length.
   */
  private static final int STEPS = 60;

  @Test
  void shouldAlertOnEachFaultyRunWithItsHintAndStayQuietOnTheHealthyOne() throws Exception {
    int port = EmbeddedKafkaBroker.freePort();
    String bootstrap = "localhost:" + port;
    String prefix = "tc-" + UUID.randomUUID().toString().substring(0, 8);
    try (GenericContainer<?> broker = Containers.broker(port, "scenarios-broker");
        GenericContainer<?> monitor = Containers.monitor(bootstrap, "scenarios-monitor")) {
      broker.start();
      monitor.start();

      List<GenericContainer<?>> trainers = new ArrayList<>();
      for (DemoRun run : DemoRun.values()) {
        trainers.add(
            Containers.trainer(
                bootstrap,
                run.runId(prefix),
                "container-scenarios",
                run.fault(),
                STEPS,
                "scenarios-trainer-" + run.fault()));
      }
      long started = System.nanoTime();
      try {
        Startables.deepStart(trainers).join();
        System.out.printf(
            Locale.ROOT,
            "scenarios: %d trainer containers ran to completion in %.1f s%n",
            trainers.size(),
            (System.nanoTime() - started) / 1e9);

        MonitorProgress.awaitCaughtUp(bootstrap, Duration.ofMinutes(2));
        List<Alert> alerts;
        try (AlertLog log = new AlertLog(bootstrap)) {
          alerts = log.readToEnd(Duration.ofMinutes(1));
        }
        for (DemoRun run : DemoRun.values()) {
          run.assertAlerts(alerts, prefix);
        }
        assertThat(alerts)
            .as("alerts from runs of this test only")
            .allMatch(a -> a.runId().startsWith(prefix));
      } finally {
        trainers.forEach(GenericContainer::stop);
      }

      Containers.assertStopsCleanlyOnSigterm(monitor);
      Containers.assertStopsCleanlyOnSigterm(broker);
    }
  }
}
