package io.trainwatch.monitor.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trainwatch.cli.http.HttpSettings;
import io.trainwatch.cli.http.OperatorServer;
import io.trainwatch.monitor.MonitorHooks;
import io.trainwatch.monitor.streams.MonitorTopology;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * The monitor's HTTP port: health, readiness (the Kafka Streams application is {@code RUNNING}),
 * Prometheus metrics (the monitor's own, Kafka Streams' and its clients', the JVM's), and the runs
 * API ({@link RunsApi}) and the dashboard ({@link Dashboard}) that reads it.
 *
 * <p>It starts before the monitor, so that probes get an answer (not ready) while the application
 * joins its group and restores its state; {@link #hooks()} hands it the application.
 */
public final class MonitorHttp implements AutoCloseable {

  /** The stores whose entry counts {@code trainwatch_state_store_entries} reports. */
  static final List<String> STORES =
      List.of(
          MonitorTopology.RUN_STATE_STORE,
          MonitorTopology.RUN_INFO_STORE,
          MonitorTopology.RUN_TRACE_STORE,
          MonitorTopology.JOB_STATE_STORE);

  private final HttpSettings settings;
  private final PrometheusMeterRegistry registry;
  private final MonitorMetrics metrics;
  private final OperatorServer server;
  private final HostInfo self;
  private volatile KafkaStreams streams;
  private KafkaStreamsMetrics streamsMetrics;

  private MonitorHttp(HttpSettings settings, PrometheusMeterRegistry registry) {
    this.settings = settings;
    this.registry = registry;
    this.metrics = new MonitorMetrics(registry);
    this.server = OperatorServer.start(settings, this::notReady, registry);
    this.self = new HostInfo(settings.advertisedHost(), server.port());
    RunsApi runs = new RunsApi(() -> streams, () -> self);
    server.handle(RunsApi.PREFIX, runs);
    server.handle(JobsApi.PREFIX, new JobsApi(() -> streams, () -> self, runs));
    server.handle("/", new Dashboard());
    for (String store : STORES) {
      Gauge.builder("trainwatch.state.store.entries", () -> entries(store))
          .description("Approximate entries in this instance's copy of a state store")
          .tag("store", store)
          .register(registry);
    }
  }

  /**
   * Binds the port and serves; not ready until the application is attached and running.
   *
   * @throws IllegalStateException if the port cannot be bound
   */
  public static MonitorHttp start(HttpSettings settings, PrometheusMeterRegistry registry) {
    return new MonitorHttp(settings, registry);
  }

  /** What to start the monitor with so that this endpoint serves it. */
  public MonitorHooks hooks() {
    return new MonitorHooks(metrics, settings.advertisedHost() + ":" + server.port(), this::attach);
  }

  private synchronized void attach(KafkaStreams s) {
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    streamsMetrics = new KafkaStreamsMetrics(s);
    streamsMetrics.bindTo(registry);
    streams = s;
  }

  /** {@code null} when ready, else why not. */
  String notReady() {
    KafkaStreams s = streams;
    if (s == null) {
      return "starting: Kafka Streams not created yet";
    }
    KafkaStreams.State state = s.state();
    return state == KafkaStreams.State.RUNNING ? null : "Kafka Streams is " + state;
  }

  private double entries(String store) {
    KafkaStreams s = streams;
    if (s == null || s.state() != KafkaStreams.State.RUNNING) {
      return Double.NaN;
    }
    try {
      return s.store(
              StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()))
          .approximateNumEntries();
    } catch (RuntimeException e) {
      return Double.NaN; // rebalancing: the store is migrating
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.port();
  }

  /** {@code http://localhost:PORT}. */
  public String localUrl() {
    return server.localUrl();
  }

  @Override
  public synchronized void close() {
    server.close();
    if (streamsMetrics != null) {
      streamsMetrics.close();
      streamsMetrics = null;
    }
  }
}
