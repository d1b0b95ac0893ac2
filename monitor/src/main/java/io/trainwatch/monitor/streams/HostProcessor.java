package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.alerting.AlertLifecycle;
import io.trainwatch.monitor.alerting.JobAlertFactory;
import io.trainwatch.monitor.alerting.JobEmission;
import io.trainwatch.monitor.config.MonitorConfig;
import io.trainwatch.monitor.fleet.HostState;
import io.trainwatch.monitor.fleet.Implication;
import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RuleSettings;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.SuspectNodeRule;
import io.trainwatch.schemas.Alert;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host state in, {@code suspect_node} alerts out. Reads the host-signals topic (faults of jobs,
 * re-keyed by the host they implicate), keeps each host's recent faults, and judges them with
 * {@link SuspectNodeRule}. A wall-clock punctuation lets faults age out of the window (resolving
 * the alert) and forgets hosts with nothing left to remember.
 */
final class HostProcessor extends ContextualProcessor<String, Implication, Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger(HostProcessor.class);

  private final MonitorConfig config;
  private final JobAlertFactory alerts;
  private final TopologyMetrics metrics;
  private final SuspectNodeRule rule = Rules.suspectNode();

  private KeyValueStore<String, HostState> hosts;

  HostProcessor(MonitorConfig config, JobAlertFactory alerts, TopologyMetrics metrics) {
    this.config = config;
    this.alerts = alerts;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    super.init(context);
    hosts = context.getStateStore(MonitorTopology.HOST_STATE_STORE);
    context.schedule(
        config.wallClockInterval(), PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
  }

  @Override
  public void process(Record<String, Implication> record) {
    String host = record.key();
    long now = context().currentSystemTimeMs();
    HostState state = hosts.get(host);
    if (state == null) {
      state = new HostState();
    }
    Implication i = record.value();
    state.add(
        new Implication(
            i.host(),
            i.device(),
            i.job(),
            i.runId(),
            i.rank(),
            i.rule(),
            i.diagnosis(),
            i.tsMs(),
            now));
    judge(host, state, now, i.tsMs());
    hosts.put(host, state);
  }

  private void onWallClock(long now) {
    List<KeyValue<String, HostState>> all = new ArrayList<>();
    try (KeyValueIterator<String, HostState> it = hosts.all()) {
      while (it.hasNext()) {
        all.add(it.next());
      }
    }
    RuleSettings s = settings();
    long window = s.integer(SuspectNodeRule.WINDOW_SECONDS) * 1000;
    for (KeyValue<String, HostState> kv : all) {
      HostState state = kv.value;
      int before = state.implications().size();
      var track = state.track();
      state.expire(now - window);
      judge(kv.key, state, now, now);
      if (state.implications().isEmpty() && !state.track().firing()) {
        hosts.delete(kv.key);
      } else if (state.implications().size() != before || !state.track().equals(track)) {
        hosts.put(kv.key, state);
      }
    }
  }

  private RuleSettings settings() {
    return config.rules().base().get(RuleId.SUSPECT_NODE);
  }

  private void judge(String host, HostState state, long now, long tsMs) {
    RuleSettings s = settings();
    if (!s.enabled()) {
      return;
    }
    Optional<Finding> f = rule.evaluate(host, state, now, s);
    AlertLifecycle.Step st = AlertLifecycle.evaluate(rule, state.track(), f, s, tsMs, null);
    List<Implication> all = state.implications();
    String runId =
        f.isPresent() && !all.isEmpty() ? all.get(all.size() - 1).runId() : state.alertRunId();
    state.setTrack(st.track(), runId);
    st.emission()
        .ifPresent(
            e -> {
              String device = (String) e.evidence().get("device");
              Alert a =
                  alerts.toAlert(
                      new JobEmission(e, host, null, runId, null, host, device, List.of(), 0, null),
                      null);
              // The policies of a suspect host act on the runs whose faults implicated it.
              ClosedLoop.Planned planned =
                  ClosedLoop.plan(
                      config.actions(),
                      a,
                      all.stream().map(Implication::runId).distinct().toList(),
                      e.atMs());
              a = planned.alert();
              context()
                  .forward(
                      new Record<Object, Object>(a.alertId(), a, now),
                      MonitorTopology.HOST_ALERTS_SINK);
              // Same task, same transaction as the alert.
              ClosedLoop.write(context(), planned.plan(), MonitorTopology.HOST_CONTROL_SINK, LOG);
              metrics.alertEmitted(a, Math.max(0, now - e.atMs()));
              LOG.info(
                  "{} {} rev {}: {}", a.status().wire(), a.alertId(), a.revision(), a.summary());
            });
  }
}
