package io.trainwatch.bridge;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics a bridge writes (its dead-letter topic, its compacted state topic) if they are
 * missing, and warns when the alerts topic it reads does not exist yet.
 */
final class BridgeTopics {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeTopics.class);

  private BridgeTopics() {}

  /**
   * @throws BridgeException if a topic cannot be created (other than because it exists)
   */
  static void ensure(BridgeConfig config, Map<String, Object> adminProps, Duration timeout) {
    try (Admin admin = Admin.create(adminProps)) {
      List<NewTopic> topics =
          List.of(
              new NewTopic(config.dlqTopic(), Optional.empty(), Optional.empty()),
              new NewTopic(config.stateTopic(), Optional.of(1), Optional.empty())
                  .configs(Map.of("cleanup.policy", "compact")));
      admin
          .createTopics(topics)
          .values()
          .forEach(
              (name, future) -> {
                try {
                  future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                  LOG.info("created topic {}", name);
                } catch (ExecutionException e) {
                  if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new BridgeException(
                        "topic " + name + ": cannot create (" + e.getCause().getMessage() + ")",
                        e.getCause());
                  }
                } catch (TimeoutException e) {
                  throw new BridgeException(
                      "topic " + name + ": no answer from the broker within " + timeout, e);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new BridgeException("interrupted while creating " + name, e);
                }
              });
      try {
        if (!admin
            .listTopics()
            .names()
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .contains(config.topic())) {
          LOG.warn("topic {} does not exist yet; the bridge waits for it", config.topic());
        }
      } catch (ExecutionException | TimeoutException e) {
        LOG.debug("could not list topics: {}", e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
