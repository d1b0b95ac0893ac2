package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.containers.RoleImages.Role;
import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The role containers as the tests run them: local images, host networking, output kept in a log
 * file.
 */
final class Containers {

  /**
   * 143 = 128 + SIGTERM: the JVM ended on the signal after running its shutdown hooks; 137 would be
   * SIGKILL.
   */
  static final long EXIT_AFTER_SIGTERM = 143;

  private Containers() {}

  static GenericContainer<?> broker(int port, String logName) {
    return role(Role.BROKER, logName)
        .withEnv("TRAINWATCH_PORT", String.valueOf(port))
        .waitingFor(
            Wait.forLogMessage("(?s).*broker ready at localhost:" + port + ".*", 1)
                .withStartupTimeout(Duration.ofMinutes(2)));
  }

  static GenericContainer<?> monitor(String bootstrapServers, String logName) {
    return role(Role.MONITOR, logName)
        .withEnv("TRAINWATCH_BOOTSTRAP_SERVER", bootstrapServers)
        // Host networking: the image's default port (8081) may be taken on a shared machine.
        .withEnv("TRAINWATCH_HTTP_PORT", String.valueOf(EmbeddedKafkaBroker.freePort()))
        .waitingFor(
            Wait.forLogMessage("(?s).*monitor running.*", 1)
                .withStartupTimeout(Duration.ofMinutes(2)));
  }

  /**
   * A one-shot training run of {@code steps} iterations: starting it waits until it has finished,
   * and fails unless it exited with 0. One native thread per trainer: several run at once on a
   * small machine, and the network is tiny.
   */
  static GenericContainer<?> trainer(
      String bootstrapServers, String runId, String job, String fault, int steps, String logName) {
    return role(Role.TRAINER, logName)
        .withEnv("TRAINWATCH_BOOTSTRAP_SERVER", bootstrapServers)
        .withEnv("OMP_NUM_THREADS", "1")
        .withCommand(
            "--run-id", runId, "--job", job, "--fault", fault, "--steps", String.valueOf(steps))
        .withStartupCheckStrategy(
            new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(10)));
  }

  @SuppressWarnings("resource")
  private static GenericContainer<?> role(Role role, String logName) {
    return new GenericContainer<>(DockerImageName.parse(RoleImages.image(role)))
        .withNetworkMode("host")
        .withLogConsumer(new ContainerLogFile(logName));
  }

  /**
   * Stops the container as an orchestrator does (SIGTERM, then SIGKILL after 30 s) and checks it
   * ended on SIGTERM.
   */
  static void assertStopsCleanlyOnSigterm(GenericContainer<?> container) {
    DockerClient docker = DockerClientFactory.lazyClient();
    docker.stopContainerCmd(container.getContainerId()).withTimeout(30).exec();
    Long exitCode =
        docker.inspectContainerCmd(container.getContainerId()).exec().getState().getExitCodeLong();
    assertThat(exitCode)
        .as(
            "exit status of %s after SIGTERM (143: shut down by its hooks, 137: had to be killed)",
            container.getDockerImageName())
        .isEqualTo(EXIT_AFTER_SIGTERM);
  }
}
