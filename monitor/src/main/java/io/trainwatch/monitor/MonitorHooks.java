package io.trainwatch.monitor;

import io.trainwatch.monitor.streams.TopologyMetrics;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the process that starts a monitor adds to it: where the topology reports, the address of
 * this instance's HTTP endpoint for interactive queries, and a look at the {@link KafkaStreams}
 * before it starts (to serve its state, metrics and readiness).
 *
 * @param metrics told of events, dead letters and alerts as the topology works
 * @param applicationServer {@code host:port} other instances reach this one's HTTP endpoint at
 *     (Kafka Streams' {@code application.server}), or {@code null} when it serves none
 * @param onCreated called with the application just before it starts
 */
public record MonitorHooks(
    TopologyMetrics metrics, String applicationServer, Consumer<KafkaStreams> onCreated) {

  /** Nothing added: a monitor on its own (tests, the benchmarks' baseline). */
  public static final MonitorHooks NONE = new MonitorHooks(TopologyMetrics.NONE, null, s -> {});

  public MonitorHooks {
    metrics = metrics == null ? TopologyMetrics.NONE : metrics;
    onCreated = onCreated == null ? s -> {} : onCreated;
  }
}
