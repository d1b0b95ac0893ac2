package io.trainwatch.app;

import static org.junit.jupiter.api.Assumptions.abort;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link EndToEndScenarios} against Kafka in a container (Testcontainers' {@code KafkaContainer},
 * image {@code apache/kafka:4.4.0} unless {@code TRAINWATCH_KAFKA_IMAGE} names another). Skipped,
 * with the reason, where no Docker engine runs or the image is neither present nor pullable.
 */
@EnabledIf(
    value = "dockerAvailable",
    disabledReason =
        "no Docker engine reachable (set DOCKER_HOST, or run .ci/run, "
            + "which starts one where the machine allows it)")
class EndToEndOnContainerKafkaIT extends EndToEndScenarios {

  private static final String IMAGE =
      System.getenv().getOrDefault("TRAINWATCH_KAFKA_IMAGE", "apache/kafka:4.4.0");
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(5);

  /** Why the image cannot be had, once known: every test of the class would otherwise try again. */
  private static String imageUnavailable;

  private static boolean imageChecked;

  private KafkaContainer kafka;

  static boolean dockerAvailable() {
    boolean available = DockerClientFactory.instance().isDockerAvailable();
    if (!available) {
      System.out.println("SKIPPED EndToEndOnContainerKafkaIT: no Docker engine reachable");
    }
    return available;
  }

  @Override
  String startKafka() {
    String missing = imageUnavailable();
    if (missing != null) {
      System.out.println("SKIPPED EndToEndOnContainerKafkaIT: " + missing);
      abort(missing);
    }
    try {
      kafka =
          new KafkaContainer(
              DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("apache/kafka"));
      kafka.start();
    } catch (RuntimeException e) {
      String reason =
          "cannot start Kafka image "
              + IMAGE
              + " (no registry and no local copy?): "
              + e.getMessage();
      System.out.println("SKIPPED EndToEndOnContainerKafkaIT: " + reason);
      abort(reason);
    }
    return kafka.getBootstrapServers();
  }

  /**
   * {@code null} if the Kafka image is here or can be pulled, else why not. Pulled once, here, so
   * that a machine without a registry fails at once: Testcontainers itself would retry the pull for
   * two minutes per test.
   */
  private static synchronized String imageUnavailable() {
    if (imageChecked) {
      return imageUnavailable;
    }
    imageChecked = true;
    DockerClient docker = DockerClientFactory.lazyClient();
    try {
      docker.inspectImageCmd(IMAGE).exec();
      return null;
    } catch (NotFoundException notHere) {
      try {
        if (!docker
            .pullImageCmd(IMAGE)
            .start()
            .awaitCompletion(PULL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          imageUnavailable =
              "Kafka image " + IMAGE + " not present, and pulling it took over " + PULL_TIMEOUT;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        imageUnavailable = "interrupted while pulling " + IMAGE;
      } catch (RuntimeException e) {
        imageUnavailable =
            "Kafka image "
                + IMAGE
                + " not present and cannot be pulled (no registry here?): "
                + e.getMessage()
                + "; TRAINWATCH_KAFKA_IMAGE names another image";
      }
      return imageUnavailable;
    }
  }

  @Override
  void stopKafka() {
    if (kafka != null) {
      kafka.stop();
    }
  }
}
