package io.trainwatch.monitor;

import io.trainwatch.cli.ClientConfigOption;
import io.trainwatch.cli.KafkaErrors;
import io.trainwatch.cli.KafkaReachability;
import io.trainwatch.cli.TopicPrefixOption;
import io.trainwatch.cli.http.HttpSettings;
import io.trainwatch.cli.http.Registries;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.http.MonitorHttp;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainwatch monitor}: runs the monitor until SIGTERM or Ctrl-C, then closes it cleanly. */
@Command(
    name = "monitor",
    mixinStandardHelpOptions = true,
    version = "trainwatch monitor 0.1.0",
    description = {
      "Runs the trainwatch monitor: reads trainwatch.events, evaluates the rules per run, writes trainwatch.alerts.",
      "Creates its topics if missing. Runs until SIGTERM or Ctrl-C. Configuration keys: docs/configuration.md."
    })
public final class MonitorCommand implements Callable<Integer> {

  @Option(
      names = "--bootstrap-server",
      required = true,
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap server(s), comma-separated.")
  String bootstrapServer;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Directory for local state (default: <tmp>/trainwatch-monitor).")
  Path stateDir;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Monitor configuration (properties: monitor.*, rules.*, jobs.*); defaults built in.")
  Path configFile;

  @Mixin ClientConfigOption kafkaClient;

  @Option(
      names = "--application-id",
      paramLabel = "ID",
      description =
          "Kafka Streams application id; instances with the same id share the work (default: "
              + "the topic prefix followed by "
              + MonitorOptions.DEFAULT_APPLICATION_ID
              + ").")
  String applicationId;

  /**
   * In front of the monitor's topic names ({@code monitor.topics.*}, the signals topics) and of the
   * default application id, which names Kafka Streams' internal topics, group and transactional
   * ids.
   */
  @Mixin TopicPrefixOption topicPrefix;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      defaultValue = "" + HttpSettings.MONITOR_PORT,
      description =
          "Port of /healthz, /readyz, /metrics, the runs API and the dashboard; 0 picks a free one "
              + "(default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--http-host",
      paramLabel = "ADDRESS",
      defaultValue = HttpSettings.DEFAULT_HOST,
      description =
          "Address the HTTP port binds; 127.0.0.1 keeps it to this machine (default: "
              + "${DEFAULT-VALUE}).")
  String httpHost;

  @Option(
      names = "--connect-timeout",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description =
          "Give up with one line and exit status 1 when Kafka cannot be reached within this many "
              + "seconds at start-up (default: ${DEFAULT-VALUE}).")
  int connectTimeoutSeconds;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    MonitorOptions options;
    HttpSettings http;
    try {
      if (connectTimeoutSeconds < 1) {
        throw new IllegalArgumentException(
            "--connect-timeout=" + connectTimeoutSeconds + ": must be >= 1");
      }
      http = new HttpSettings(httpHost, httpPort);
      MonitorConfig config =
          (configFile == null ? MonitorConfig.defaults() : MonitorConfig.load(configFile))
              .withTopicPrefix(topicPrefix.value());
      options =
          MonitorOptions.of(bootstrapServer)
              .withApplicationId(applicationId())
              .withStateDir(stateDir)
              .withConfig(config)
              .withClientProperties(kafkaClient.map());
    } catch (IllegalArgumentException e) {
      err.println("monitor: " + e.getMessage());
      err.println("Try '" + spec.qualifiedName() + " --help' for more information.");
      return 2;
    }
    MonitorHttp server;
    try {
      server = MonitorHttp.start(http, Registries.prometheus());
    } catch (IllegalStateException e) {
      err.println("monitor: " + e.getMessage());
      return 1;
    }
    out.println("http ready at " + server.localUrl());
    out.flush();
    Properties client = new Properties();
    client.putAll(options.clientProperties());
    client.put("bootstrap.servers", bootstrapServer);
    // An unreachable broker or a bad client setting: one line, not the clients' warnings.
    Optional<String> unreachable = KafkaReachability.check(client, connectTimeoutSeconds);
    if (unreachable.isPresent()) {
      server.close();
      err.println("monitor: " + unreachable.get());
      return 1;
    }
    Monitor monitor;
    try {
      monitor = Monitor.start(options, server.hooks());
    } catch (IllegalStateException e) {
      server.close();
      err.println("monitor: " + e.getMessage());
      return 1;
    } catch (KafkaException e) {
      // Bad client settings (security.protocol=TLS, a missing keystore): one line, like the bridge.
      server.close();
      err.println("monitor: " + KafkaErrors.oneLine(e));
      return 1;
    }
    Thread hook =
        new Thread(
            () -> {
              monitor.close();
              server.close();
            },
            "trainwatch-monitor-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(
        "monitor running (application id "
            + options.applicationId()
            + ", reading "
            + options.config().eventsTopic()
            + ", Kafka "
            + bootstrapServer
            + "); Ctrl-C to stop");
    out.flush();
    while (!monitor.awaitStop(Duration.ofSeconds(1))) {
      // Wait for SIGTERM/Ctrl-C (the hook closes the monitor) or for the application to fail by
      // itself.
    }
    if (monitor.state() == org.apache.kafka.streams.KafkaStreams.State.ERROR) {
      err.println("monitor: stopped after an unrecoverable error (see the log)");
      return 1;
    }
    return 0;
  }

  private String applicationId() {
    if (applicationId != null) {
      return applicationId;
    }
    return topicPrefix.apply(MonitorOptions.DEFAULT_APPLICATION_ID);
  }

  /** Runs the command on its own (the {@code ./trainwatch} launcher is the usual way in). */
  public static void main(String[] args) {
    System.exit(
        io.trainwatch.cli.Commands.configure(new CommandLine(new MonitorCommand())).execute(args));
  }
}
