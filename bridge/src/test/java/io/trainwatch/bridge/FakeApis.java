package io.trainwatch.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The documented behaviour of each destination API, as the loopback servers play it. */
final class FakeApis {

  private FakeApis() {}

  /**
   * Slack incoming webhooks: {@code 200 ok}; {@code 400 invalid_payload} for a body that is not
   * JSON, {@code 400 no_text} without text or blocks, {@code 400 invalid_blocks} when a Block Kit
   * limit is broken.
   */
  static FakeHttpApi.Reply slack(FakeHttpApi.Request r) {
    if (!"POST".equals(r.method()) || !r.path().startsWith("/services/")) {
      return FakeHttpApi.Reply.of(404, "no_service");
    }
    JsonNode msg;
    try {
      msg = r.json();
    } catch (RuntimeException e) {
      return FakeHttpApi.Reply.of(400, "invalid_payload");
    }
    List<String> violations = SlackLimits.violations(msg);
    if (violations.contains("no_text")) {
      return FakeHttpApi.Reply.of(400, "no_text");
    }
    return violations.isEmpty()
        ? FakeHttpApi.Reply.of(200, "ok")
        : FakeHttpApi.Reply.of(400, "invalid_blocks");
  }

  /** Any receiver that accepts every POST. */
  static FakeHttpApi.Reply webhook(FakeHttpApi.Request r) {
    return "POST".equals(r.method())
        ? FakeHttpApi.Reply.of(200, "")
        : FakeHttpApi.Reply.of(405, "");
  }

  /**
   * PagerDuty Events API v2 with its incident semantics: a trigger opens an incident for its
   * dedup_key unless one is open (then it only adds to it); a resolve closes the open incident and
   * is dropped otherwise; a trigger after the resolve opens a NEW incident. Answers 202 with {@code
   * dedup_key}, or 400 with {@code errors[]}.
   */
  static final class PagerDuty {
    private static final Set<String> ACTIONS = Set.of("trigger", "acknowledge", "resolve");
    private static final Set<String> SEVERITIES = Set.of("critical", "error", "warning", "info");

    private final String routingKey;
    private final Map<String, Boolean> open = new HashMap<>();
    private final List<String> incidentsOpened = new ArrayList<>();
    private final List<String> triggersAfterResolve = new ArrayList<>();
    private final Set<String> everResolved = new java.util.HashSet<>();

    PagerDuty(String routingKey) {
      this.routingKey = routingKey;
    }

    synchronized FakeHttpApi.Reply handle(FakeHttpApi.Request r) {
      if (!"POST".equals(r.method()) || !"/v2/enqueue".equals(r.path())) {
        return FakeHttpApi.Reply.json(404, "{\"status\":\"not found\"}");
      }
      JsonNode e;
      try {
        e = r.json();
      } catch (RuntimeException ex) {
        return invalid("Event object is invalid", "malformed JSON");
      }
      List<String> errors = new ArrayList<>();
      if (!routingKey.equals(e.path("routing_key").asText())) {
        errors.add("Invalid routing key");
      }
      String action = e.path("event_action").asText();
      if (!ACTIONS.contains(action)) {
        errors.add(
            "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')");
      }
      String key = e.path("dedup_key").asText("");
      if (key.length() > 255) {
        errors.add("'dedup_key' is too long (max 255 characters)");
      }
      if (!"trigger".equals(action) && key.isEmpty()) {
        errors.add("'dedup_key' is missing");
      }
      if ("trigger".equals(action)) {
        JsonNode p = e.path("payload");
        String summary = p.path("summary").asText("");
        if (summary.isEmpty() || summary.length() > 1024) {
          errors.add("'payload.summary' is missing or longer than 1024 characters");
        }
        if (p.path("source").asText("").isEmpty()) {
          errors.add("'payload.source' is missing or blank");
        }
        if (!SEVERITIES.contains(p.path("severity").asText())) {
          errors.add(
              "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error'"
                  + " or 'info')");
        }
      }
      if (!errors.isEmpty()) {
        return invalid("Event object is invalid", errors.toArray(String[]::new));
      }
      if ("trigger".equals(action)) {
        if (!open.getOrDefault(key, false)) {
          open.put(key, true);
          incidentsOpened.add(key);
          if (everResolved.contains(key)) {
            triggersAfterResolve.add(key);
          }
        }
      } else if ("resolve".equals(action) && open.getOrDefault(key, false)) {
        open.put(key, false);
        everResolved.add(key);
      }
      return FakeHttpApi.Reply.json(
          202,
          "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"" + key + "\"}");
    }

    /** dedup_keys of every incident opened, in order (one entry per incident). */
    synchronized List<String> incidentsOpened() {
      return List.copyOf(incidentsOpened);
    }

    /** dedup_keys that were triggered again after being resolved: the page nobody should get. */
    synchronized List<String> triggersAfterResolve() {
      return List.copyOf(triggersAfterResolve);
    }

    synchronized boolean isOpen(String dedupKey) {
      return open.getOrDefault(dedupKey, false);
    }

    private static FakeHttpApi.Reply invalid(String message, String... errors) {
      StringBuilder b =
          new StringBuilder(
              "{\"status\":\"invalid event\",\"message\":\"" + message + "\",\"errors\":[");
      for (int i = 0; i < errors.length; i++) {
        b.append(i == 0 ? "" : ",").append('"').append(errors[i].replace("\"", "'")).append('"');
      }
      return FakeHttpApi.Reply.json(400, b.append("]}").toString());
    }
  }

  /**
   * Alertmanager API v2 {@code POST /api/v2/alerts}: a JSON array of postable alerts, each with a
   * non-empty {@code labels} map of valid names, string {@code annotations}, RFC 3339 {@code
   * startsAt}/{@code endsAt} and a URI {@code generatorURL}. 200 with an empty body, or 400 with a
   * JSON string naming the problem. Keeps the state of each alert (by label set) as Alertmanager
   * would.
   */
  static final class Alertmanager {
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final Map<Map<String, String>, JsonNode> alerts = new HashMap<>();

    synchronized FakeHttpApi.Reply handle(FakeHttpApi.Request r) {
      if (!"POST".equals(r.method()) || !"/api/v2/alerts".equals(r.path())) {
        return FakeHttpApi.Reply.of(404, "");
      }
      JsonNode list;
      try {
        list = r.json();
      } catch (RuntimeException e) {
        return FakeHttpApi.Reply.json(400, "\"body: not JSON\"");
      }
      if (!list.isArray()) {
        return FakeHttpApi.Reply.json(400, "\"body in body must be of type array\"");
      }
      for (JsonNode a : list) {
        String problem = validate(a);
        if (problem != null) {
          return FakeHttpApi.Reply.json(400, "\"" + problem + "\"");
        }
      }
      for (JsonNode a : list) {
        Map<String, String> labels = new HashMap<>();
        a.get("labels").properties().forEach(f -> labels.put(f.getKey(), f.getValue().asText()));
        alerts.put(labels, a);
      }
      return FakeHttpApi.Reply.of(200, "");
    }

    /** The last posted version of the alert with this alert_id label. */
    synchronized JsonNode latest(String alertId) {
      return alerts.entrySet().stream()
          .filter(e -> alertId.equals(e.getKey().get("alert_id")))
          .map(Map.Entry::getValue)
          .findFirst()
          .orElse(null);
    }

    /**
     * {@code true} if Alertmanager would show the alert as firing at {@code now}, {@code false}
     * otherwise.
     */
    synchronized boolean firingAt(String alertId, Instant now) {
      JsonNode a = latest(alertId);
      return a != null && Instant.parse(a.get("endsAt").asText()).isAfter(now);
    }

    private static String validate(JsonNode a) {
      JsonNode labels = a.path("labels");
      if (!labels.isObject() || labels.isEmpty()) {
        return "labels in body is required";
      }
      for (var f : labels.properties()) {
        if (!LABEL_NAME.matcher(f.getKey()).matches()) {
          return "invalid label set: invalid name \\\"" + f.getKey() + "\\\"";
        }
        if (!f.getValue().isTextual()) {
          return "labels." + f.getKey() + " in body must be of type string";
        }
      }
      JsonNode annotations = a.path("annotations");
      if (!annotations.isMissingNode()) {
        for (var f : annotations.properties()) {
          if (!f.getValue().isTextual()) {
            return "annotations in body must be of type string";
          }
        }
      }
      for (String t : List.of("startsAt", "endsAt")) {
        if (a.has(t)) {
          try {
            Instant.parse(a.get(t).asText());
          } catch (DateTimeParseException e) {
            return t + " in body must be of type date-time";
          }
        }
      }
      if (a.has("generatorURL")) {
        try {
          if (!URI.create(a.get("generatorURL").asText()).isAbsolute()) {
            return "generatorURL in body must be of type uri";
          }
        } catch (IllegalArgumentException e) {
          return "generatorURL in body must be of type uri";
        }
      }
      if (a.has("startsAt")
          && a.has("endsAt")
          && Instant.parse(a.get("endsAt").asText())
              .isBefore(Instant.parse(a.get("startsAt").asText()))) {
        return "start time must be before end time";
      }
      return null;
    }
  }
}
