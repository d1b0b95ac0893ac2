package io.trainwatch.app;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainwatch broker}: the real Kafka broker, single-node KRaft, in this process. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a real single-node Kafka broker (KRaft) in this process until Ctrl-C.",
      "For local use and the demo; production fleets use their own Kafka cluster."
    })
final class BrokerCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "Client port (default: ${DEFAULT-VALUE}).",
      defaultValue = "9092")
  int port;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Log directory; kept across restarts (default: a temporary one).")
  Path dataDir;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddedKafkaBroker.Options options =
        EmbeddedKafkaBroker.Options.defaults().withPort(port).withDataDir(dataDir);
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "broker-shutdown"));
    System.out.println("broker ready at " + broker.bootstrapServers());
    System.out.flush();
    stopped.await();
    return 0;
  }
}
