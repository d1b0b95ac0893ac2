package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.containers.RoleImages.Role;
import io.trainwatch.schemas.Alert;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * docker-compose.yml as users run it, on the local engine with the local images: the whole stack
 * comes up, the faulty demo trainers' alerts arrive on trainwatch.alerts, the healthy trainer
 * raises none, and {@code down -v} leaves no container and no volume behind.
 */
@RequiresDockerEngine
class ComposeStackIT {

  private static final String PROJECT_LABEL = "com.docker.compose.project";
  private static final String SERVICE_LABEL = "com.docker.compose.service";

  /** The run id prefix docker-compose.yml gives its demo trainers. */
  private static final String RUN_PREFIX = "demo";

  /** As in ContainerScenariosIT: every fault shows within a few batches. */
  private static final int DEMO_STEPS = 60;

  private final DockerClient docker = DockerClientFactory.lazyClient();

  @Test
  void shouldAlertOnTheFaultyTrainersSpareTheHealthyOneAndLeaveNothingBehind() throws Exception {
    List<String> composeCommand = ComposeCli.detect().orElse(null);
    if (composeCommand == null) {
      String reason = "neither `docker compose` nor `docker-compose` is installed";
      System.out.println("SKIPPED " + getClass().getSimpleName() + ": " + reason);
      Assumptions.abort(reason);
    }
    int kafkaPort = EmbeddedKafkaBroker.freePort();
    String bootstrap = "localhost:" + kafkaPort;
    ComposeCli compose =
        ComposeCli.of(
            composeCommand,
            composeFile(),
            "trainwatch-it-" + UUID.randomUUID().toString().substring(0, 8),
            Map.of(
                "KAFKA_IMAGE", RoleImages.image(Role.BROKER),
                "TRAINWATCH_TAG", RoleImages.TAG,
                "BASE_IMAGE", RoleImages.baseImage(),
                "TRAINWATCH_KAFKA_PORT", String.valueOf(kafkaPort),
                "TRAINWATCH_CONTROLLER_PORT", String.valueOf(EmbeddedKafkaBroker.freePort()),
                "TRAINWATCH_MONITOR_HTTP_PORT", String.valueOf(EmbeddedKafkaBroker.freePort()),
                "TRAINWATCH_DEMO_STEPS", String.valueOf(DEMO_STEPS)));
    // Built (or reused) before the clock starts: the compose file names these images.
    RoleImages.image(Role.MONITOR);
    RoleImages.image(Role.TRAINER);

    Set<String> volumes = new TreeSet<>();
    long up = System.nanoTime();
    Throwable failure = null;
    try {
      compose.run(Duration.ofMinutes(5), "up", "--detach", "--no-build");
      volumes.addAll(volumesOf(compose.project()));
      checkAlerts(bootstrap, compose.project(), up);
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      tearDown(compose, failure);
      System.out.printf(
          Locale.ROOT, "compose: up to down in %.1f s%n", (System.nanoTime() - up) / 1e9);
    }
    assertThat(containersOf(compose.project()))
        .as("containers left by the compose project")
        .isEmpty();
    assertThat(volumes)
        .as("the stack's volumes (named and anonymous), which must be gone")
        .isNotEmpty()
        .allSatisfy(v -> assertThat(exists(v)).as("volume %s still exists", v).isFalse());
  }

  private void checkAlerts(String bootstrap, String project, long up) throws InterruptedException {
    try (AlertLog log = new AlertLog(bootstrap)) {
      List<Alert> alerts =
          log.readUntil(
              a -> DemoRun.faultyRuns().stream().allMatch(run -> run.alerted(a, RUN_PREFIX)),
              Duration.ofMinutes(5));
      if (log.firstAlertNanos() != 0) {
        System.out.printf(
            Locale.ROOT,
            "compose: first alert %.1f s after `up`, all faulty runs alerted after %.1f s%n",
            (log.firstAlertNanos() - up) / 1e9,
            (System.nanoTime() - up) / 1e9);
      }
      for (DemoRun run : DemoRun.faultyRuns()) {
        run.assertAlerts(alerts, RUN_PREFIX);
      }

      assertThat(awaitExit(project, "trainer-healthy", Duration.ofMinutes(5)))
          .as("exit status of the healthy trainer")
          .isZero();
      MonitorProgress.awaitCaughtUp(bootstrap, Duration.ofMinutes(2));
      alerts = log.readToEnd(Duration.ofMinutes(1));
      for (DemoRun run : DemoRun.values()) {
        run.assertAlerts(alerts, RUN_PREFIX);
      }
    }
  }

  /** Keeps the stack's logs, then {@code down -v}; a failure here never hides the test's own. */
  private static void tearDown(ComposeCli compose, Throwable failure) {
    try {
      compose.run(
          Duration.ofMinutes(1),
          "logs",
          "--no-color",
          "--timestamps"); // kept in the compose log file
      compose.run(
          Duration.ofMinutes(3), "down", "--volumes", "--remove-orphans", "--timeout", "30");
    } catch (RuntimeException e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
  }

  private static Path composeFile() {
    return Path.of(System.getProperty("trainwatch.project.dir", ".."))
        .resolve("docker-compose.yml")
        .normalize();
  }

  private List<Container> containersOf(String project) {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(PROJECT_LABEL, project))
        .exec();
  }

  private Set<String> volumesOf(String project) {
    Set<String> names = new TreeSet<>();
    for (Container c : containersOf(project)) {
      InspectContainerResponse inspected = docker.inspectContainerCmd(c.getId()).exec();
      inspected.getMounts().stream()
          .filter(m -> m.getName() != null)
          .forEach(m -> names.add(m.getName()));
    }
    return names;
  }

  private boolean exists(String volume) {
    try {
      docker.inspectVolumeCmd(volume).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Waits until the service's one container has exited; returns its exit status. */
  private long awaitExit(String project, String service, Duration timeout) {
    AtomicReference<Long> exit = new AtomicReference<>();
    try {
      await(service + " of " + project + " exited")
          .atMost(timeout)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                exit.set(exitStatus(project, service));
                return exit.get() != null;
              });
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException(
          service + " of " + project + " did not finish in " + timeout, e);
    }
    return exit.get();
  }

  /** The exit status of the service's one container, or {@code null} while it has not exited. */
  private Long exitStatus(String project, String service) {
    List<Container> found =
        docker
            .listContainersCmd()
            .withShowAll(true)
            .withLabelFilter(Map.of(PROJECT_LABEL, project, SERVICE_LABEL, service))
            .exec();
    if (found.size() == 1) {
      InspectContainerResponse.ContainerState state =
          docker.inspectContainerCmd(found.get(0).getId()).exec().getState();
      if (!Boolean.TRUE.equals(state.getRunning())
          && state.getFinishedAt() != null
          && !state.getFinishedAt().startsWith("0001")) {
        return state.getExitCodeLong();
      }
    }
    return null;
  }
}
