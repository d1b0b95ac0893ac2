package io.trainwatch.bridge;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trainwatch.cli.ClientConfigOption;
import io.trainwatch.cli.KafkaErrors;
import io.trainwatch.cli.TopicPrefixOption;
import io.trainwatch.cli.http.HttpSettings;
import io.trainwatch.cli.http.OperatorServer;
import io.trainwatch.cli.http.Registries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code trainwatch bridge --to slack|pagerduty|alertmanager|webhook --config FILE
 * --bootstrap-server HOST:PORT}: runs one bridge until interrupted, then prints what it delivered.
 */
@Command(
    name = "bridge",
    sortOptions = false,
    description = {
      "Delivers alerts from trainwatch.alerts to Slack, PagerDuty, Alertmanager or any webhook.",
      "Ordered per alert, retried with backoff, paced to each API's rate limit, and never re-triggered after a"
          + " resolve. Rejected alerts go to the bridge's dead-letter topic with the reason."
    },
    footer = {
      "",
      "Config file keys (properties; all of them in docs/bridges.md):",
      "  bridge.to  bridge.name  bridge.start_from=active|latest|earliest",
      "  bridge.topic  bridge.dlq_topic (--topic-prefix goes in front)",
      "  slack.webhook_url ($TRAINWATCH_SLACK_WEBHOOK_URL)  slack.group_window",
      "  pagerduty.routing_key ($TRAINWATCH_PAGERDUTY_ROUTING_KEY)  pagerduty.url",
      "  alertmanager.url ($TRAINWATCH_ALERTMANAGER_URL)",
      "  alertmanager.resend_interval",
      "  webhook.url ($TRAINWATCH_WEBHOOK_URL)  webhook.format=alert|alertmanager",
      "  webhook.header.NAME",
      "  filter.min_severity  filter.include_rules  filter.exclude_rules",
      "  filter.include_jobs  filter.exclude_jobs",
      "  filter.include_labels  filter.exclude_labels",
      "  retry.max_attempts  retry.initial_backoff  retry.max_backoff",
      "  retry.park_interval  retry.rate_limit_backoff",
      "  rate.per_second  rate.burst  http.timeout  http.connect_timeout",
      "  links.run_url  links.runbook_url",
      "",
      "Example:",
      "  TRAINWATCH_SLACK_WEBHOOK_URL=https://hooks.slack.com/services/... \\",
      "    ./trainwatch bridge --to slack --bootstrap-server localhost:9092"
    })
public final class BridgeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  @Option(
      names = "--to",
      paramLabel = "DEST",
      converter = DestinationConverter.class,
      description =
          "Where to deliver: slack, pagerduty, alertmanager or webhook (or bridge.to in the"
              + " config file).")
  Destination to;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "The bridge configuration (properties); secrets may come from the environment"
              + " instead.")
  Path config;

  @Option(
      names = "--bootstrap-server",
      paramLabel = "HOST:PORT",
      required = true,
      description = "Kafka bootstrap server(s), comma-separated.")
  String bootstrapServer;

  @Mixin ClientConfigOption kafkaClient;

  /** In front of bridge.topic, bridge.dlq_topic, the state topic and the consumer group. */
  @Mixin TopicPrefixOption topicPrefix;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      defaultValue = "" + HttpSettings.BRIDGE_PORT,
      description =
          "Port of /healthz, /readyz (ready once the consumer is assigned) and /metrics; 0 picks a"
              + " free one (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--http-host",
      paramLabel = "ADDRESS",
      defaultValue = HttpSettings.DEFAULT_HOST,
      description =
          "Address the HTTP port binds; 127.0.0.1 keeps it to this machine (default:"
              + " ${DEFAULT-VALUE}).")
  String httpHost;

  private final Map<String, String> env;

  /** The command as the CLI runs it, reading secrets from the process environment. */
  public BridgeCommand() {
    this(System.getenv());
  }

  BridgeCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /**
   * Runs the bridge command on its own, as {@code java -cp ... io.trainwatch.bridge.BridgeCommand}.
   */
  public static void main(String[] args) {
    System.exit(
        io.trainwatch.cli.Commands.configure(new CommandLine(new BridgeCommand())).execute(args));
  }

  @Override
  public Integer call() {
    BridgeConfig bridgeConfig;
    try {
      bridgeConfig = BridgeConfig.load(config, env, to).withTopicPrefix(topicPrefix.value());
    } catch (BridgeConfigException e) {
      throw new ParameterException(
          spec.commandLine(), (config == null ? "" : config + ": ") + e.getMessage());
    }
    Map<String, Object> kafka = new HashMap<>();
    try {
      kafka.putAll(kafkaClient.map());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    kafka.put("bootstrap.servers", bootstrapServer);
    HttpSettings http;
    try {
      http = new HttpSettings(httpHost, httpPort);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    AlertBridge bridge = AlertBridge.create(bridgeConfig, kafka);
    PrometheusMeterRegistry registry = Registries.prometheus();
    BridgeMetrics.bind(registry, bridgeConfig.name(), bridgeConfig.destination(), bridge);
    OperatorServer server;
    try {
      server = OperatorServer.start(http, () -> notReady(bridge, bridgeConfig), registry);
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("trainwatch bridge: " + e.getMessage());
      return 1;
    }
    spec.commandLine().getOut().println("http ready at " + server.localUrl());
    spec.commandLine().getOut().flush();
    CountDownLatch reported = new CountDownLatch(1);
    // On SIGTERM the JVM exits once the hooks are done: wait for the counts to be printed first.
    Thread hook =
        new Thread(
            () -> {
              bridge.close();
              try {
                reported.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "trainwatch-bridge-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      bridge.run();
    } catch (BridgeException | KafkaException e) {
      // Broker unreachable, bad security settings, state topic not writable: one line, not a stack
      // trace.
      spec.commandLine()
          .getErr()
          .println("trainwatch bridge: " + bridgeConfig.redactor().redact(KafkaErrors.oneLine(e)));
      reported.countDown();
      return 1;
    } finally {
      server.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is what stopped us
      }
    }
    spec.commandLine().getOut().println("bridge " + bridgeConfig.name() + ": " + bridge.stats());
    spec.commandLine().getOut().flush();
    reported.countDown();
    return 0;
  }

  /**
   * {@code null} when the bridge is ready (its consumer owns partitions of the alerts topic now),
   * else why not. Readiness follows the group: a rebalance that revokes every partition of this
   * bridge (another member took them) makes it not ready until a reassignment gives it some; a
   * bridge in a group with more members than the alerts topic has partitions stays not ready, with
   * nothing to deliver until another member leaves.
   */
  static String notReady(AlertBridge bridge, BridgeConfig config) {
    var failure = bridge.failure();
    if (failure.isPresent()) {
      return "bridge stopped: "
          + config.redactor().redact(String.valueOf(failure.get().getMessage()));
    }
    if (!bridge.assignment().isEmpty()) {
      return null;
    }
    try {
      return bridge.awaitAssignment(Duration.ZERO)
          ? "consumer of "
              + config.topic()
              + " owns no partition now (group "
              + config.groupId()
              + " rebalancing, or more members than partitions)"
          : "consumer of " + config.topic() + " not assigned yet (group " + config.groupId() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Reads {@code --to} in the same spelling as {@code bridge.to}. */
  static final class DestinationConverter implements CommandLine.ITypeConverter<Destination> {
    @Override
    public Destination convert(String value) {
      try {
        return Destination.fromWire(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
