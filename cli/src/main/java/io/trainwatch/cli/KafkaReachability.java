package io.trainwatch.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.ClientDnsLookup;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;

/**
 * Whether a command can reach Kafka at all, asked once before it starts: an unreachable broker is
 * one line and a non-zero exit, not a client that retries (and warns) until its own timeout. Used
 * by {@code alerts} and {@code monitor}.
 *
 * <p>First a plain TCP connection to a bootstrap address (retried until the deadline: a broker may
 * be starting), so that a broker that is not there never reaches Kafka's network client and its
 * warnings; then the cluster's id through an admin client, so that bad client settings (security
 * protocol, credentials) are one line too.
 */
public final class KafkaReachability {

  private static final long RETRY_MS = 250;

  private KafkaReachability() {}

  /**
   * Connects to the bootstrap servers and asks the cluster for its id.
   *
   * @param clientProperties bootstrap servers and security settings
   * @param timeoutSeconds how long Kafka may take to answer (at least 1)
   * @return why Kafka cannot be used, in one line, or empty when it answered
   */
  public static Optional<String> check(Properties clientProperties, int timeoutSeconds) {
    String bootstrap =
        String.valueOf(clientProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    Properties p = new Properties();
    // A short-lived client: no JMX MBeans and no metrics push (both cost CPU at start).
    p.put(AdminClientConfig.METRIC_REPORTER_CLASSES_CONFIG, "");
    p.put(AdminClientConfig.ENABLE_METRICS_PUSH_CONFIG, false);
    p.putAll(clientProperties);
    int timeoutMs = (int) TimeUnit.SECONDS.toMillis(timeoutSeconds);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
    try {
      // A bad setting (security.protocol=TLS) is the line, whether or not Kafka is there.
      new AdminClientConfig(p);
    } catch (ConfigException e) {
      return Optional.of(KafkaErrors.oneLine(e));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    try {
      List<InetSocketAddress> addresses =
          ClientUtils.parseAndValidateAddresses(
              Arrays.stream(bootstrap.split(",")).map(String::strip).toList(),
              ClientDnsLookup.USE_ALL_DNS_IPS);
      if (!anyAccepts(addresses, deadline)) {
        return Optional.of(unreachable(bootstrap, timeoutSeconds));
      }
    } catch (KafkaException e) {
      return Optional.of("cannot use Kafka at " + bootstrap + ": " + KafkaErrors.oneLine(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while connecting to Kafka at " + bootstrap);
    }
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

  /** {@code true} as soon as one address accepts a TCP connection before the deadline. */
  private static boolean anyAccepts(List<InetSocketAddress> addresses, long deadline)
      throws InterruptedException {
    while (true) {
      for (InetSocketAddress a : addresses) {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (leftMs <= 0) {
          return false;
        }
        try (Socket s = new Socket()) {
          s.connect(a, (int) Math.min(leftMs, Integer.MAX_VALUE));
          return true;
        } catch (IOException e) {
          // Not (yet) there: the next address, or again after a pause.
        }
      }
      long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (leftMs <= 0) {
        return false;
      }
      Thread.sleep(Math.min(RETRY_MS, leftMs));
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
