package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.trainer.EventPublisher;
import io.trainwatch.trainer.InputScaling;
import io.trainwatch.trainer.KafkaEventPublisher;
import io.trainwatch.trainer.KafkaPublisherSettings;
import io.trainwatch.trainer.PublisherStats;
import io.trainwatch.trainer.SyntheticPixels;
import io.trainwatch.trainer.TrainwatchListener;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Guarantee 3: the broker goes away in the middle of a real DL4J training run.
 *
 * <ol>
 *   <li>Outage shorter than the delivery timeout: training never waits (step times are printed, not
 *       asserted: the machine is shared), and once the broker is back every event is delivered, in
 *       order, exactly once.
 *   <li>Outage longer than the delivery timeout: the events that could not be delivered are counted
 *       as failed, said in the log and in the producer's metrics, never silently lost; closing the
 *       publisher with the broker still down returns within its close timeout.
 * </ol>
 */
class BrokerOutageIT {

  private static final int CLASSES = 4;
  private static final int BATCH = 32;

  @Test
  void shouldKeepTrainingThroughAnOutageAndDeliverOrCountEveryEvent(@TempDir Path tmp)
      throws Exception {
    int port = EmbeddedKafkaBroker.freePort();
    EmbeddedKafkaBroker.Options options =
        EmbeddedKafkaBroker.Options.defaults().withPort(port).withDataDir(tmp.resolve("kafka"));
    AtomicReference<EmbeddedKafkaBroker> broker =
        new AtomicReference<>(EmbeddedKafkaBroker.start(options));
    try {
      broker.get().createTopic(Topics.EVENTS, 1);
      Trainer trainer = new Trainer();

      // Part 1: an outage well within the delivery timeout (the default, 30 s).
      KafkaPublisherSettings settings =
          KafkaPublisherSettings.defaults(broker.get().bootstrapServers());
      PublisherStats recovered;
      double[] warmup;
      double[] before;
      double[] during;
      double[] after;
      long outageMs;
      TimedPublisher timed;
      try (KafkaEventPublisher publisher = new KafkaEventPublisher(settings);
          TrainwatchListener listener =
              trainer.listen(timed = new TimedPublisher(publisher), "outage-recovered")) {
        assertThat(publisher.awaitReady(Duration.ofSeconds(20)))
            .as("publisher reached the broker")
            .isTrue();
        warmup = trainer.steps(300); // JIT and native warm-up, not compared
        timed.phase(1);
        before = trainer.steps(150);
        timed.phase(2);
        long down = System.nanoTime();
        // The broker stops and later restarts on other threads while the training thread keeps
        // going.
        CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> broker.get().close());
        during = trainer.stepsFor(Duration.ofSeconds(4));
        stop.join();
        CompletableFuture<Void> restart =
            CompletableFuture.runAsync(() -> broker.set(EmbeddedKafkaBroker.start(options)));
        double[] restarting = trainer.stepsUntil(restart);
        outageMs = (System.nanoTime() - down) / 1_000_000;
        during = concat(during, restarting);
        timed.phase(3);
        after = trainer.steps(150);
        listener.end(RunStatus.COMPLETED, null);
        assertThat(publisher.flush(Duration.ofSeconds(30)))
            .as("everything delivered or failed")
            .isTrue();
        recovered = publisher.stats();
      }
      List<ConsumerRecord<byte[], byte[]>> records =
          KafkaFixtures.readAll(
              broker.get().adminClientConfig(),
              Topics.EVENTS,
              r -> r.size() >= recovered.delivered(),
              Duration.ofSeconds(1),
              Duration.ofSeconds(30));
      List<Long> steps =
          records.stream()
              .map(r -> EventCodec.decode(r.value()))
              .filter(e -> e instanceof BatchEvent)
              .map(e -> ((BatchEvent) e).step())
              .toList();
      int trained = warmup.length + before.length + during.length + after.length;
      System.out.printf(
          "broker outage of %d ms during training: %d steps trained (%d while the broker was "
              + "away); median step %.2f ms before, %.2f ms during, %.2f ms after; max %.2f / %.2f / %.2f ms; "
              + "longest publish() call %d / %d / %d us; events %d published, %d delivered, %d dropped, %d failed; "
              + "%d read back%n",
          outageMs,
          trained,
          during.length,
          median(before),
          median(during),
          median(after),
          max(before),
          max(during),
          max(after),
          timed.maxMicros(1),
          timed.maxMicros(2),
          timed.maxMicros(3),
          recovered.published(),
          recovered.delivered(),
          recovered.dropped(),
          recovered.failed(),
          records.size());

      assertThat(during.length).as("steps trained while the broker was away").isGreaterThan(10);
      assertThat(recovered.lost())
          .as("events lost in an outage shorter than the delivery timeout")
          .isZero();
      assertThat(recovered.delivered()).isEqualTo(recovered.published()).isEqualTo(trained + 2L);
      assertThat(records).hasSize((int) recovered.delivered());
      assertThat(steps)
          .as("every step once, in order")
          .isEqualTo(LongStream.range(0, trained).boxed().toList());

      // Part 2: an outage longer than the delivery timeout (1 s).
      broker.get().close();
      KafkaPublisherSettings impatient =
          settings.withTimeouts(
              Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(2));
      PublisherStats lost;
      long closeMs;
      double errorTotal;
      String log;
      try (StderrCapture captured = StderrCapture.start()) {
        broker.set(EmbeddedKafkaBroker.start(options));
        KafkaEventPublisher publisher = new KafkaEventPublisher(impatient);
        TrainwatchListener listener = trainer.listen(publisher, "outage-lost");
        assertThat(publisher.awaitReady(Duration.ofSeconds(20))).isTrue();
        trainer.steps(20);
        assertThat(publisher.flush(Duration.ofSeconds(10))).isTrue();
        broker.get().close();
        trainer.steps(100);
        ChildJvm.sleep(
            2_500); // past the delivery timeout: the first events fail while training goes on
        trainer.steps(50);
        listener.end(RunStatus.COMPLETED, null);
        errorTotal = producerMetric("record-error-total");
        long start = System.nanoTime();
        listener.close();
        publisher.close();
        closeMs = (System.nanoTime() - start) / 1_000_000;
        lost = publisher.stats();
        log = captured.text();
      }
      System.out.printf(
          "broker gone for good (delivery timeout 1 s, close timeout 2 s): events %d published, "
              + "%d delivered, %d dropped, %d failed, %d pending; producer record-error-total %.0f; close took %d ms%n",
          lost.published(),
          lost.delivered(),
          lost.dropped(),
          lost.failed(),
          lost.pending(),
          errorTotal,
          closeMs);

      assertThat(lost.pending()).as("events unaccounted for").isZero();
      assertThat(lost.delivered()).isEqualTo(21); // run_started and the 20 steps before the outage
      assertThat(lost.failed()).as("events that expired waiting for the broker").isPositive();
      assertThat(lost.delivered() + lost.dropped() + lost.failed()).isEqualTo(lost.published());
      assertThat(errorTotal).as("producer metric record-error-total").isPositive();
      assertThat(log).contains("could not be delivered");
      assertThat(closeMs)
          .as("close with the broker down (close timeout 2 s, generous bound)")
          .isLessThan(15_000);
    } finally {
      EmbeddedKafkaBroker b = broker.get();
      if (b != null) {
        b.close();
      }
    }
  }

  /** A small real network on generated data, trained step by step so each step can be timed. */
  private static final class Trainer {
    private final SyntheticPixels data = SyntheticPixels.generate(CLASSES, 1024, 7);
    private final MultiLayerNetwork net = network();
    private final SplittableRandom random = new SplittableRandom(8);
    private int[] order = data.shuffledOrder(random);
    private int position;

    TrainwatchListener listen(EventPublisher publisher, String runId) {
      TrainwatchListener listener =
          TrainwatchListener.builder()
              .publisher(publisher)
              .runId(runId)
              .job("reliability-outage")
              .build();
      net.setListeners(listener);
      listener.start(net);
      return listener;
    }

    /** Trains {@code n} steps and returns each step's wall time in milliseconds. */
    double[] steps(int n) {
      double[] ms = new double[n];
      for (int i = 0; i < n; i++) {
        ms[i] = step();
      }
      return ms;
    }

    double[] stepsFor(Duration d) {
      long end = System.nanoTime() + d.toNanos();
      List<Double> ms = new ArrayList<>();
      while (System.nanoTime() < end) {
        ms.add(step());
      }
      return ms.stream().mapToDouble(Double::doubleValue).toArray();
    }

    double[] stepsUntil(CompletableFuture<?> done) {
      List<Double> ms = new ArrayList<>();
      while (!done.isDone()) {
        ms.add(step());
      }
      done.join();
      return ms.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private double step() {
      if (position + BATCH > order.length) {
        order = data.shuffledOrder(random);
        position = 0;
      }
      long start = System.nanoTime();
      net.fit(data.batch(order, position, BATCH, InputScaling.STANDARDIZED));
      position += BATCH;
      return (System.nanoTime() - start) / 1e6;
    }

    private static MultiLayerNetwork network() {
      MultiLayerConfiguration conf =
          new NeuralNetConfiguration.Builder()
              .seed(7)
              .updater(new Nesterovs(0.02, 0.9))
              .weightInit(WeightInit.XAVIER)
              .list()
              .layer(
                  new DenseLayer.Builder()
                      .nIn(SyntheticPixels.FEATURES)
                      .nOut(32)
                      .activation(Activation.RELU)
                      .build())
              .layer(
                  new OutputLayer.Builder(new LossMCXENT())
                      .nIn(32)
                      .nOut(CLASSES)
                      .activation(Activation.SOFTMAX)
                      .build())
              .build();
      MultiLayerNetwork net = new MultiLayerNetwork(conf);
      net.init();
      return net;
    }
  }

  /**
   * Times each {@code publish} call, the only thing the training thread ever waits for, per test
   * phase.
   */
  private static final class TimedPublisher implements EventPublisher {
    private final EventPublisher delegate;
    private final long[] maxNanos = new long[4];
    private volatile int phase;

    TimedPublisher(EventPublisher delegate) {
      this.delegate = delegate;
    }

    void phase(int p) {
      phase = p;
    }

    long maxMicros(int p) {
      return maxNanos[p] / 1_000;
    }

    @Override
    public void publish(TrainingEvent event) {
      long start = System.nanoTime();
      delegate.publish(event);
      long took = System.nanoTime() - start;
      int p = phase;
      maxNanos[p] = Math.max(maxNanos[p], took);
    }

    @Override
    public PublisherStats stats() {
      return delegate.stats();
    }

    @Override
    public boolean flush(Duration timeout) {
      return delegate.flush(timeout);
    }

    @Override
    public void close() {
      // The test closes the Kafka publisher itself.
    }
  }

  /** The trainer producer's metric, from JMX (client id {@code trainwatch-trainer}). */
  private static double producerMetric(String name) throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    double total = 0;
    for (ObjectName n :
        server.queryNames(
            new ObjectName("kafka.producer:type=producer-metrics,client-id=*"), null)) {
      if (n.getKeyProperty("client-id").startsWith("trainwatch-trainer")) {
        total += ((Number) server.getAttribute(n, name)).doubleValue();
      }
    }
    return total;
  }

  static double median(double[] xs) {
    if (xs.length == 0) {
      return Double.NaN;
    }
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double max(double[] xs) {
    return Arrays.stream(xs).max().orElse(Double.NaN);
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
