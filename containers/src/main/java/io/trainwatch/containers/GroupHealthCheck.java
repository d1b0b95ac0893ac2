package io.trainwatch.containers;

import io.trainwatch.cli.ClientConfigFile;
import io.trainwatch.cli.EnvironmentDefaults;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.common.GroupState;

/**
 * The health check of the images whose role consumes from Kafka (the monitor, the bridge): healthy
 * while the role's group is {@code STABLE}, that is while the application is up, in its group and
 * holding its partitions. A process check cannot tell a monitor that consumes from one stuck before
 * its first assignment.
 *
 * <pre>
 * java -cp '/opt/trainwatch/lib/*' io.trainwatch.containers.GroupHealthCheck trainwatch-monitor
 * </pre>
 *
 * <p>It reaches Kafka as the role does, through the same variables: {@code
 * TRAINWATCH_BOOTSTRAP_SERVER} and, if set, {@code TRAINWATCH_COMMAND_CONFIG} (or {@code
 * TRAINWATCH_CLIENT_CONFIG}) (a properties file of client settings: security and so on). Exit
 * status 0 means healthy; anything else, with one line saying why, unhealthy.
 */
public final class GroupHealthCheck {

  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private GroupHealthCheck() {}

  public static void main(String[] args) {
    System.exit(check(args, System.getenv(), System.out));
  }

  static int check(String[] args, Map<String, String> env, PrintStream out) {
    if (args.length != 1 || args[0].isBlank()) {
      out.println("usage: GroupHealthCheck <group id>");
      return 2;
    }
    String group = args[0];
    Properties props;
    try {
      props = clientProperties(env);
    } catch (IllegalArgumentException e) {
      out.println("unhealthy: " + e.getMessage());
      return 1;
    }
    try (Admin admin = Admin.create(props)) {
      Optional<GroupListing> listing =
          admin.listGroups().all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
              .filter(g -> g.groupId().equals(group))
              .findFirst();
      String verdict = verdict(group, listing);
      out.println(verdict);
      return verdict.startsWith("healthy") ? 0 : 1;
    } catch (ExecutionException | TimeoutException e) {
      out.println(
          "unhealthy: cannot list groups on "
              + props.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
              + ": "
              + (e.getCause() == null ? e : e.getCause()).getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  static String verdict(String group, Optional<GroupListing> listing) {
    if (listing.isEmpty()) {
      return "unhealthy: group " + group + " does not exist (yet)";
    }
    GroupState state = listing.get().groupState().orElse(GroupState.UNKNOWN);
    return (state == GroupState.STABLE ? "healthy: " : "unhealthy: ")
        + "group "
        + group
        + " is "
        + state;
  }

  static Properties clientProperties(Map<String, String> env) {
    String bootstrap = env.get(EnvironmentDefaults.variableFor("--bootstrap-server"));
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException(
          EnvironmentDefaults.variableFor("--bootstrap-server") + " is not set");
    }
    String clientConfig = env.get(EnvironmentDefaults.variableFor(ClientConfigFile.OPTION));
    if (clientConfig == null || clientConfig.isBlank()) {
      clientConfig = env.get(EnvironmentDefaults.variableFor(ClientConfigFile.ALIAS));
    }
    Properties props =
        ClientConfigFile.properties(
            clientConfig == null || clientConfig.isBlank() ? null : Path.of(clientConfig));
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    return props;
  }
}
