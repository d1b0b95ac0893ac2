package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.alerting.HintCatalog;
import io.trainwatch.monitor.alerting.RunEvaluator;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.Topics;
import io.trainwatch.schemas.TrainingEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The monitor's real topology ({@link MonitorTopology#build}) in a {@link TopologyTestDriver}, as
 * the streams tests drive it: the given configuration with in-memory stores, the standard hints,
 * the product's streams properties, the wall clock starting at {@link #WALL_START}. Events go in
 * keyed by run id, as trainers publish them; alerts, control commands and dead letters come out.
 */
final class TopologyFixture implements AutoCloseable {

  /** Where the driver's wall clock starts. */
  static final Instant WALL_START = Instant.parse("2026-01-01T00:00:00Z");

  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> events;
  final TestOutputTopic<String, Alert> alerts;
  final TestOutputTopic<String, byte[]> control;
  final TestOutputTopic<byte[], byte[]> deadLetters;

  /**
   * @param stateDir the driver's state directory (a test's {@code @TempDir})
   * @param applicationId the streams application id
   */
  TopologyFixture(
      Path stateDir,
      String applicationId,
      MonitorConfig config,
      RunEvaluator evaluator,
      TopologyMetrics metrics) {
    MonitorConfig inMemory = config.withStateStore(MonitorConfig.StateStoreType.IN_MEMORY);
    Properties props =
        Monitor.streamsProperties(
            MonitorOptions.of("localhost:9")
                .withApplicationId(applicationId)
                .withStateDir(stateDir)
                .withConfig(inMemory));
    driver =
        new TopologyTestDriver(
            MonitorTopology.build(inMemory, evaluator, HintCatalog.standard(), metrics),
            props,
            WALL_START);
    events =
        driver.createInputTopic(
            Topics.EVENTS, new ByteArraySerializer(), new ByteArraySerializer());
    alerts =
        driver.createOutputTopic(
            Topics.ALERTS, new StringDeserializer(), StateSerdes.alertDeserializer());
    control =
        driver.createOutputTopic(
            Topics.CONTROL, new StringDeserializer(), new ByteArrayDeserializer());
    deadLetters =
        driver.createOutputTopic(
            Topics.EVENTS_DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The standard rules, no metrics. */
  TopologyFixture(Path stateDir, String applicationId, MonitorConfig config) {
    this(stateDir, applicationId, config, RunEvaluator.standard(), TopologyMetrics.NONE);
  }

  /** Publishes an event as a trainer does: keyed by its run id, at its event time. */
  void send(TrainingEvent e) {
    events.pipeInput(e.runId().getBytes(StandardCharsets.UTF_8), EventCodec.encode(e), e.tsMs());
  }

  @Override
  public void close() {
    driver.close();
  }
}
