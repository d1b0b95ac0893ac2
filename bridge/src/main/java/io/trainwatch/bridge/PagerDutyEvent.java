package io.trainwatch.bridge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertPlacement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Builds PagerDuty Events API v2 events: {@code trigger} for a firing alert, {@code resolve} for a
 * resolved one, both with {@code dedup_key} = the alert_id, so PagerDuty keeps one incident per
 * alert and a repeated trigger for an open incident only adds a log entry.
 */
final class PagerDutyEvent {

  static final int MAX_SUMMARY_CHARS = 1024;
  static final int MAX_DEDUP_KEY_CHARS = 255;

  /**
   * PagerDuty refuses larger events; like Alertmanager, drop {@code custom_details} rather than the
   * page.
   */
  static final int MAX_EVENT_BYTES = 512_000;

  private final String routingKey;
  private final LinkTemplates links;

  PagerDutyEvent(String routingKey, LinkTemplates links) {
    this.routingKey = routingKey;
    this.links = links;
  }

  /** The event for one alert emission. */
  ObjectNode build(Alert a) {
    ObjectNode e = BridgeJson.NODES.objectNode();
    e.put("routing_key", routingKey);
    e.put("event_action", a.firing() ? "trigger" : "resolve");
    e.put("dedup_key", dedupKey(a.alertId()));
    if (!a.firing()) {
      return e; // resolve needs only the key; PagerDuty ignores a payload on resolve
    }
    ObjectNode p = e.putObject("payload");
    p.put("summary", BridgeJson.truncate(a.summary(), MAX_SUMMARY_CHARS));
    p.put("source", a.runId());
    p.put("severity", severity(a));
    p.put("timestamp", a.startsAt().toString());
    if (a.job() != null) {
      p.put("group", a.job());
    }
    p.put("class", a.rule());
    p.put("component", a.diagnosis() != null ? a.diagnosis() : a.rule());
    p.set("custom_details", customDetails(a));
    e.put("client", "trainwatch");
    links.runUrl(a).ifPresent(u -> e.put("client_url", u));
    ArrayNode l = BridgeJson.NODES.arrayNode();
    links.runUrl(a).ifPresent(u -> l.addObject().put("href", u).put("text", "Run dashboard"));
    links.runbookUrl(a).ifPresent(u -> l.addObject().put("href", u).put("text", "Runbook"));
    if (!l.isEmpty()) {
      e.set("links", l);
    }
    if (BridgeJson.bytes(e).length > MAX_EVENT_BYTES) {
      p.putObject("custom_details")
          .put(
              "error",
              "custom_details dropped: the event exceeded PagerDuty's 512 KB limit; see alert "
                  + a.alertId()
                  + " on the alerts topic");
    }
    return e;
  }

  /** trainwatch severities are PagerDuty's four, one to one. */
  static String severity(Alert a) {
    return switch (a.severity()) {
      case CRITICAL -> "critical";
      case ERROR -> "error";
      case WARNING -> "warning";
      case INFO -> "info";
    };
  }

  /** The alert_id, or {@code sha256:<hex>} of it when longer than PagerDuty's 255 characters. */
  static String dedupKey(String alertId) {
    if (alertId.length() <= MAX_DEDUP_KEY_CHARS) {
      return alertId;
    }
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(alertId.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static ObjectNode customDetails(Alert a) {
    ObjectNode d = BridgeJson.NODES.objectNode();
    d.put("alert_id", a.alertId());
    d.put("revision", a.revision());
    d.put("rule", a.rule());
    d.put("run_id", a.runId());
    if (a.job() != null) {
      d.put("job", a.job());
    }
    if (a.diagnosis() != null) {
      d.put("diagnosis", a.diagnosis());
    }
    if (a.step() != null) {
      d.put("step", a.step());
    }
    AlertPlacement at = a.placement();
    if (at.host() != null) {
      d.put("host", at.host());
    }
    if (at.device() != null) {
      d.put("device", at.device());
    }
    if (at.rank() != null) {
      d.put("rank", at.rank());
    }
    if (!at.ranks().isEmpty()) {
      var ranks = d.putArray("ranks");
      at.ranks().forEach(ranks::add);
    }
    d.put("hint", a.hint());
    if (!a.actions().isEmpty()) {
      var actions = d.putArray("actions");
      a.actionLines().forEach(actions::add);
    }
    d.set("evidence", BridgeJson.evidence(a.evidence()));
    d.set("labels", BridgeJson.labels(a.labels()));
    return d;
  }
}
