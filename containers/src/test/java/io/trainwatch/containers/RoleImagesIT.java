package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.command.InspectImageResponse;
import io.trainwatch.containers.RoleImages.Role;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * What every role image promises: a non-root user, state in a volume, and only its own role's
 * classpath.
 */
@RequiresDockerEngine
class RoleImagesIT {

  /**
   * Runs {@code command} in {@code image} instead of its entrypoint and returns what it printed.
   */
  private static String run(String image, String... command) {
    try (GenericContainer<?> c =
        new GenericContainer<>(DockerImageName.parse(image))
            .withNetworkMode("host")
            .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint(command))
            .withStartupCheckStrategy(
                new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(1)))) {
      c.start();
      return c.getLogs();
    }
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void shouldRunAsANonRootUserWithItsStateInAVolume(Role role) {
    String image = RoleImages.image(role);
    InspectImageResponse inspected = DockerClientFactory.lazyClient().inspectImageCmd(image).exec();

    assertThat(inspected.getConfig().getUser()).isEqualTo("trainwatch");
    assertThat(inspected.getConfig().getVolumes()).containsOnlyKeys("/var/lib/trainwatch");
    assertThat(run(image, "sh", "-c", "id -u; test -w /var/lib/trainwatch && echo writable"))
        .isEqualTo("10001\nwritable\n");
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void shouldRunItsRolesCommandAsTheEntryPoint(Role role) {
    String command = role == Role.TRAINER ? "train" : role.id();
    try (GenericContainer<?> c =
        new GenericContainer<>(DockerImageName.parse(RoleImages.image(role)))
            .withNetworkMode("host")
            .withCommand("--help")
            .withStartupCheckStrategy(
                new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(1)))) {
      c.start();
      assertThat(c.getLogs()).startsWith("Usage: " + command + " ");
    }
  }

  @Test
  void shouldKeepDl4jOutOfTheMonitorImageAndShipItsNativeLibrariesInTheTrainerImage() {
    String monitorLibs = run(RoleImages.image(Role.MONITOR), "ls", "/opt/trainwatch/lib");
    String trainerLibs = run(RoleImages.image(Role.TRAINER), "ls", "/opt/trainwatch/lib");

    assertThat(monitorLibs)
        .contains("trainwatch-monitor-", "kafka-streams-", "trainwatch-containers-")
        .doesNotContain("deeplearning4j", "nd4j", "javacpp", "openblas");
    assertThat(trainerLibs)
        .contains(
            "trainwatch-trainer-0", "trainwatch-trainer-cli-", "deeplearning4j-nn-", "nd4j-native-")
        .containsPattern("nd4j-native-.*-linux-x86_64\\.jar");
  }
}
