package io.trainwatch.app;

import io.trainwatch.cli.KafkaErrors;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;

/**
 * Whether a short-lived command can reach Kafka at all, asked once before it starts: an unreachable
 * broker is one line and a non-zero exit, not a consumer that retries (and warns) forever.
 */
final class KafkaReachability {

  /** The Kafka client whose connection warnings the line replaces. */
  private static final String NETWORK_CLIENT_LOG =
      "org.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient";

  private KafkaReachability() {}

  /**
   * Asks the cluster for its id.
   *
   * @param clientProperties bootstrap servers and security settings
   * @return why Kafka cannot be used, in one line, or empty when it answered
   */
  static Optional<String> check(Properties clientProperties, int timeoutSeconds) {
    // Each failed connection attempt would log a warning; the one line below says it once.
    if (System.getProperty(NETWORK_CLIENT_LOG) == null) {
      System.setProperty(NETWORK_CLIENT_LOG, "error");
    }
    String bootstrap =
        String.valueOf(clientProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    Properties p = new Properties();
    p.putAll(clientProperties);
    int timeoutMs = (int) TimeUnit.SECONDS.toMillis(timeoutSeconds);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
    try (Admin admin = Admin.create(p)) {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs))
          .clusterId()
          .get(timeoutSeconds + 1L, TimeUnit.SECONDS);
      return Optional.empty();
    } catch (TimeoutException e) {
      return Optional.of(unreachable(bootstrap, timeoutSeconds));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        return Optional.of(unreachable(bootstrap, timeoutSeconds));
      }
      return Optional.of("cannot use Kafka at " + bootstrap + ": " + KafkaErrors.oneLine(e));
    } catch (KafkaException e) {
      return Optional.of("cannot use Kafka at " + bootstrap + ": " + KafkaErrors.oneLine(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while connecting to Kafka at " + bootstrap);
    }
  }

  private static String unreachable(String bootstrap, int timeoutSeconds) {
    return "cannot reach Kafka at "
        + bootstrap
        + " within "
        + timeoutSeconds
        + " s (is it running? see --connect-timeout)";
  }
}
