package io.trainwatch.monitor.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.monitor.run.RunInfo;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.RunTrace;
import io.trainwatch.schemas.Alert;
import java.util.Map;

/**
 * The JSON the runs API answers with, built from one run's stores. Non-finite numbers (a NaN loss)
 * are {@code null}: JSON has no NaN.
 */
final class RunViews {

  static final ObjectMapper JSON = new ObjectMapper();

  private RunViews() {}

  /** One run as the run list shows it. */
  static ObjectNode summary(String runId, RunState s, RunInfo info, RunTrace trace, String owner) {
    ObjectNode n = JSON.createObjectNode();
    n.put("run_id", runId);
    n.put("job", s.job());
    n.put("framework", s.framework());
    n.put("state", s.ended() ? "ended" : "live");
    boolean alerting = trace != null && !trace.openAlerts().isEmpty();
    n.put("alerting", alerting);
    n.put("batches", s.batches());
    n.put("step", s.lastStep());
    n.put("last_event_ms", s.lastEventWallMs());
    n.put("last_ts_ms", s.lastTsMs());
    ArrayNode firing = n.putArray("firing");
    if (trace != null) {
      for (Alert a : trace.openAlerts()) {
        ObjectNode f = firing.addObject();
        f.put("rule", a.rule());
        f.put("severity", a.severity().wire());
        f.put("summary", a.summary());
        f.put("step", a.step());
        f.put("starts_at", a.startsAt().toString());
      }
    }
    ObjectNode labels = n.putObject("labels");
    for (Map.Entry<String, String> e : (info == null ? RunInfo.EMPTY : info).labels().entrySet()) {
      labels.put(e.getKey(), e.getValue());
    }
    n.put("owner", owner);
    return n;
  }

  /** One run with its open alerts, alert markers and downsampled history. */
  static ObjectNode detail(
      String runId, RunState s, RunInfo info, RunTrace trace, int traceBytes, String owner) {
    ObjectNode n = summary(runId, s, info, trace, owner);
    if (s.inputRange() != null) {
      n.put("declared_input_range", s.inputRange().toString());
    }
    ArrayNode open = n.putArray("open_alerts");
    ArrayNode markers = n.putArray("markers");
    ObjectNode history = n.putObject("history");
    ArrayNode points = history.putArray("points");
    history.put("max_points", RunTrace.MAX_POINTS);
    history.put("stride", trace == null ? 1 : RunTrace.strideFor(Math.max(0, s.batches() - 1)));
    history.put("bytes", traceBytes);
    if (trace == null) {
      return n;
    }
    for (Alert a : trace.openAlerts()) {
      ObjectNode o = open.addObject();
      o.put("alert_id", a.alertId());
      o.put("rule", a.rule());
      o.put("severity", a.severity().wire());
      o.put("diagnosis", a.diagnosis());
      o.put("summary", a.summary());
      o.put("hint", a.hint());
      o.put("step", a.step());
      o.put("starts_at", a.startsAt().toString());
      o.set("evidence", JSON.valueToTree(a.evidence()));
    }
    for (RunTrace.Marker m : trace.markers()) {
      ObjectNode o = markers.addObject();
      o.put("step", m.step() < 0 ? null : m.step());
      o.put("at_ms", m.atMs());
      o.put("rule", m.rule());
      o.put("status", m.firing() ? "firing" : "resolved");
      number(o, "loss", m.loss());
    }
    for (RunTrace.Point p : trace.points()) {
      ObjectNode o = points.addObject();
      o.put("step", p.step());
      o.put("ts_ms", p.tsMs());
      number(o, "loss", p.loss());
      number(o, "grad_norm", p.gradNorm());
      number(o, "input_min", p.inputMin());
      number(o, "input_max", p.inputMax());
      number(o, "output_min", p.outputMin());
      number(o, "output_max", p.outputMax());
    }
    return n;
  }

  private static void number(ObjectNode o, String field, float v) {
    if (Float.isFinite(v)) {
      o.put(field, v);
    } else {
      o.putNull(field);
    }
  }

  /**
   * {@code true} if the summary passes the filters ({@code null} passes anything), {@code false}
   * otherwise.
   */
  static boolean matches(JsonNode run, String job, String state, Boolean alerting) {
    return (job == null || job.equals(run.path("job").asText(null)))
        && (state == null || state.equals(run.path("state").asText()))
        && (alerting == null || alerting == run.path("alerting").asBoolean());
  }
}
