package io.trainwatch.app;

import io.trainwatch.cli.ClientConfigOption;
import io.trainwatch.cli.KafkaReachability;
import io.trainwatch.cli.TopicPrefixOption;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.InvalidEventException;
import io.trainwatch.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainwatch alerts}: follows {@code trainwatch.alerts} and prints each alert for people or
 * machines.
 */
@Command(
    name = "alerts",
    mixinStandardHelpOptions = true,
    description =
        "Prints alerts from "
            + Topics.ALERTS
            + " (or --topic) as they arrive (committed records only), until Ctrl-C.")
final class AlertsCommand implements Callable<Integer> {

  /** The Kafka client whose connection warnings would interleave with the alerts. */
  private static final String NETWORK_CLIENT_LOG =
      "org.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--bootstrap-server",
      required = true,
      paramLabel = "HOST:PORT",
      description = "Kafka to read from.")
  String bootstrapServer;

  @Option(names = "--json", description = "One alert JSON per line, exactly as on the topic.")
  boolean json;

  @Option(
      names = "--from-beginning",
      description = "Start with the oldest alert instead of new ones only.")
  boolean fromBeginning;

  @Option(names = "--max", paramLabel = "N", description = "Exit after N alerts.")
  Integer max;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "Exit after this many seconds.")
  Integer timeoutSeconds;

  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      defaultValue = Topics.ALERTS,
      description =
          "The alerts topic (the monitor's monitor.topics.alerts; default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--connect-timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description =
          "Give up with one line and exit status 1 when Kafka cannot be reached within this many "
              + "seconds (default: ${DEFAULT-VALUE}).")
  int connectTimeoutSeconds;

  @Mixin ClientConfigOption kafkaClient;

  /** In front of the topic and of the command's own consumer group. */
  @Mixin TopicPrefixOption topicPrefix;

  @Override
  public Integer call() {
    Properties props = kafkaClient.properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServer);
    props.put(
        ConsumerConfig.GROUP_ID_CONFIG,
        topicPrefix.apply("trainwatch-alerts-cli-" + UUID.randomUUID()));
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    if (connectTimeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "--connect-timeout=" + connectTimeoutSeconds + ": must be >= 1");
    }
    // A terminal that prints alerts: the client's connection warnings would garble it.
    if (System.getProperty(NETWORK_CLIENT_LOG) == null) {
      System.setProperty(NETWORK_CLIENT_LOG, "error");
    }
    Optional<String> unreachable = KafkaReachability.check(props, connectTimeoutSeconds);
    if (unreachable.isPresent()) {
      spec.commandLine().getErr().println("alerts: " + unreachable.get());
      spec.commandLine().getErr().flush();
      return 1;
    }
    AlertFormatter formatter = new AlertFormatter(System.console() != null);
    long deadline =
        timeoutSeconds == null
            ? Long.MAX_VALUE
            : System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    int printed = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Thread main = Thread.currentThread();
      Runtime.getRuntime().addShutdownHook(new Thread(consumer::wakeup, "alerts-shutdown"));
      consumer.subscribe(List.of(topicPrefix.apply(topic)));
      while ((max == null || printed < max)
          && System.nanoTime() < deadline
          && !main.isInterrupted()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(250))) {
          print(record, formatter);
          if (max != null && ++printed >= max) {
            break;
          }
        }
      }
    } catch (WakeupException e) {
      // Ctrl-C: leave quietly.
    }
    return 0;
  }

  private void print(ConsumerRecord<byte[], byte[]> record, AlertFormatter formatter) {
    if (json) {
      System.out.println(new String(record.value(), StandardCharsets.UTF_8));
      return;
    }
    try {
      Alert alert = AlertCodec.decode(record.value());
      System.out.println(formatter.format(alert));
    } catch (InvalidEventException e) {
      System.out.println(
          "(unreadable alert at offset " + record.offset() + ": " + e.getMessage() + ")");
    }
  }
}
