package io.trainwatch.app;

import static org.junit.jupiter.api.Assumptions.abort;

import org.junit.jupiter.api.condition.EnabledIf;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link EndToEndScenarios} against Kafka in a container (Testcontainers' {@code KafkaContainer}, image
 * {@code apache/kafka:4.4.0} unless {@code TRAINWATCH_KAFKA_IMAGE} names another). Skipped, with the reason, where no
 * Docker engine runs or the image is neither present nor pullable.
 */
@EnabledIf(value = "dockerAvailable", disabledReason = "no Docker engine reachable (set DOCKER_HOST, or run .ci/run, "
    + "which starts one where the machine allows it)")
class EndToEndOnContainerKafkaIT extends EndToEndScenarios {

  private static final String IMAGE =
      System.getenv().getOrDefault("TRAINWATCH_KAFKA_IMAGE", "apache/kafka:4.4.0");

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
    try {
      kafka = new KafkaContainer(DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("apache/kafka"));
      kafka.start();
    } catch (RuntimeException e) {
      String reason = "cannot start Kafka image " + IMAGE + " (no registry and no local copy?): " + e.getMessage();
      System.out.println("SKIPPED EndToEndOnContainerKafkaIT: " + reason);
      abort(reason);
    }
    return kafka.getBootstrapServers();
  }

  @Override
  void stopKafka() {
    if (kafka != null) {
      kafka.stop();
    }
  }
}
