package io.trainwatch.bridge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.util.Numbers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Alertmanager's two shapes: the API v2 {@code postableAlert} list ({@code POST /api/v2/alerts})
 * and the webhook payload (version 4) that Alertmanager itself sends to webhook receivers.
 *
 * <p>Labels identify an alert in Alertmanager, so they hold only what is stable across its
 * emissions: the run's labels, {@code alertname} (the rule), {@code severity}, {@code run_id},
 * {@code job} and {@code alert_id}. Everything else is an annotation.
 */
final class AlertmanagerPayloads {

  /** What Alertmanager's webhook puts in {@code endsAt} while an alert fires: Go's zero time. */
  static final String GO_ZERO_TIME = "0001-01-01T00:00:00Z";

  private final LinkTemplates links;

  AlertmanagerPayloads(LinkTemplates links) {
    this.links = links;
  }

  /**
   * The API v2 body. A firing alert gets {@code endsAt = now + lease}: Alertmanager resolves it by
   * itself unless the bridge re-sends it before then, which is what keeps a dead bridge from
   * leaving alerts firing forever.
   */
  ArrayNode postableAlerts(List<Alert> alerts, Instant now, Duration lease) {
    ArrayNode list = BridgeJson.NODES.arrayNode();
    for (Alert a : alerts) {
      ObjectNode o = list.addObject();
      o.set("labels", stringMap(labels(a)));
      o.set("annotations", stringMap(annotations(a)));
      o.put("startsAt", a.startsAt().toString());
      o.put("endsAt", (a.firing() ? now.plus(lease) : a.endsAt()).toString());
      links.runUrl(a).ifPresent(u -> o.put("generatorURL", u));
    }
    return list;
  }

  /** The payload Alertmanager would POST to a webhook receiver for these alerts, as one group. */
  ObjectNode webhookPayload(List<Alert> alerts, String receiver) {
    ObjectNode p = BridgeJson.NODES.objectNode();
    boolean firing = alerts.stream().anyMatch(Alert::firing);
    Map<String, String> common = null;
    Map<String, String> commonAnnotations = null;
    ArrayNode list = BridgeJson.NODES.arrayNode();
    for (Alert a : alerts) {
      Map<String, String> l = labels(a);
      Map<String, String> an = annotations(a);
      common = common == null ? new TreeMap<>(l) : intersect(common, l);
      commonAnnotations =
          commonAnnotations == null ? new TreeMap<>(an) : intersect(commonAnnotations, an);
      ObjectNode o = list.addObject();
      o.put("status", a.firing() ? "firing" : "resolved");
      o.set("labels", stringMap(l));
      o.set("annotations", stringMap(an));
      o.put("startsAt", a.startsAt().toString());
      o.put("endsAt", a.firing() ? GO_ZERO_TIME : a.endsAt().toString());
      o.put("generatorURL", links.runUrl(a).orElse(""));
      o.put("fingerprint", fingerprint(l));
    }
    p.put("version", "4");
    p.put("groupKey", "{}:{alert_id=\"" + alerts.get(0).alertId().replace("\"", "\\\"") + "\"}");
    p.put("truncatedAlerts", 0);
    p.put("status", firing ? "firing" : "resolved");
    p.put("receiver", receiver);
    p.putObject("groupLabels");
    p.set("commonLabels", stringMap(common));
    p.set("commonAnnotations", stringMap(commonAnnotations));
    p.put("externalURL", "");
    p.set("alerts", list);
    return p;
  }

  /**
   * The identifying labels, names made valid for Alertmanager ({@code [a-zA-Z_][a-zA-Z0-9_]*}),
   * sorted.
   */
  static Map<String, String> labels(Alert a) {
    Map<String, String> l = new TreeMap<>();
    a.labels()
        .forEach(
            (k, v) -> {
              if (!v.isEmpty()) {
                l.put(labelName(k), v);
              }
            });
    l.put("alertname", a.rule());
    l.put("severity", a.severity().wire());
    l.put("run_id", a.runId());
    if (a.job() != null && !a.job().isEmpty()) {
      l.put("job", a.job());
    }
    // Where it points: a label, so that silences and inhibitions can match a node or a GPU.
    if (a.placement().host() != null) {
      l.put("host", a.placement().host());
    }
    if (a.placement().device() != null) {
      l.put("device", a.placement().device());
    }
    if (a.placement().rank() != null) {
      l.put("rank", a.placement().rank().toString());
    }
    l.put("alert_id", a.alertId());
    return l;
  }

  /** Summary, hint and the evidence, as Alertmanager templates and its UI show them. */
  Map<String, String> annotations(Alert a) {
    Map<String, String> an = new LinkedHashMap<>();
    an.put("summary", a.summary());
    if (!a.hint().isBlank()) {
      an.put("hint", a.hint());
    }
    if (a.diagnosis() != null) {
      an.put("diagnosis", a.diagnosis());
    }
    if (!a.actions().isEmpty()) {
      an.put("actions", String.join("; ", a.actionLines()));
    }
    if (!a.placement().ranks().isEmpty()) {
      StringJoiner ranks = new StringJoiner(", ");
      a.placement().ranks().forEach(r -> ranks.add(r.toString()));
      an.put("ranks", ranks.toString());
    }
    if (!a.evidence().isEmpty()) {
      StringJoiner j = new StringJoiner(", ");
      a.evidence().forEach((k, v) -> j.add(k + "=" + Numbers.forPeople(v)));
      an.put("evidence", j.toString());
    }
    if (a.step() != null) {
      an.put("step", a.step().toString());
    }
    links.runbookUrl(a).ifPresent(u -> an.put("runbook_url", u));
    return an;
  }

  static String labelName(String name) {
    StringBuilder b = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9';
      b.append(ok ? c : '_');
    }
    return b.length() == 0 ? "_" : b.toString();
  }

  /**
   * Alertmanager's fingerprint: 64-bit FNV-1a over the label names and values sorted by name, each
   * followed by the separator byte 0xFF, printed as 16 hex digits (prometheus/common {@code
   * model/signature.go}).
   */
  static String fingerprint(Map<String, String> labels) {
    long hash = 0xcbf29ce484222325L;
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      hash = fnv(hash, e.getKey().getBytes(StandardCharsets.UTF_8));
      hash = fnvByte(hash, (byte) 0xFF);
      hash = fnv(hash, e.getValue().getBytes(StandardCharsets.UTF_8));
      hash = fnvByte(hash, (byte) 0xFF);
    }
    return String.format("%016x", hash);
  }

  private static long fnv(long hash, byte[] bytes) {
    for (byte b : bytes) {
      hash = fnvByte(hash, b);
    }
    return hash;
  }

  private static long fnvByte(long hash, byte b) {
    return (hash ^ (b & 0xFF)) * 0x100000001b3L;
  }

  private static Map<String, String> intersect(Map<String, String> acc, Map<String, String> next) {
    Map<String, String> out = new TreeMap<>();
    acc.forEach(
        (k, v) -> {
          if (v.equals(next.get(k))) {
            out.put(k, v);
          }
        });
    return out;
  }

  private static ObjectNode stringMap(Map<String, String> m) {
    ObjectNode o = BridgeJson.NODES.objectNode();
    m.forEach(o::put);
    return o;
  }
}
