package io.trainwatch.bridge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertPlacement;
import io.trainwatch.schemas.Severity;
import io.trainwatch.schemas.util.Numbers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Builds the Block Kit message for one alert, or for a burst of alerts of one job, within Slack's
 * limits: at most 50 blocks, a 150-character header, 3000-character sections, 10 fields of 2000
 * characters, 10 context elements. The top-level {@code text} is the plain fallback notifications
 * and screen readers use.
 */
final class SlackMessage {

  static final int MAX_BLOCKS = 50;
  static final int MAX_HEADER_CHARS = 150;
  static final int MAX_SECTION_CHARS = 3000;
  static final int MAX_FIELDS = 10;
  static final int MAX_FIELD_CHARS = 2000;
  static final int MAX_CONTEXT_ELEMENTS = 10;

  /** Slack truncates {@code text} at 40,000 characters; a notification preview needs far less. */
  static final int MAX_FALLBACK_CHARS = 3000;

  /** Four blocks per alert plus a header stays within {@link #MAX_BLOCKS}. */
  static final int MAX_ALERTS = 10;

  /** A hint longer than one section is split over at most this many sections rather than cut. */
  private static final int MAX_HINT_SECTIONS = 3;

  private final LinkTemplates links;

  SlackMessage(LinkTemplates links) {
    this.links = links;
  }

  /**
   * The message for {@code alerts} (1 to {@link #MAX_ALERTS}, all of one job when more than one).
   */
  ObjectNode build(List<Alert> alerts) {
    if (alerts.isEmpty() || alerts.size() > MAX_ALERTS) {
      throw new IllegalArgumentException("alerts=" + alerts.size() + ": must be 1.." + MAX_ALERTS);
    }
    ObjectNode msg = BridgeJson.NODES.objectNode();
    msg.put("text", fallback(alerts));
    ArrayNode blocks = msg.putArray("blocks");
    if (alerts.size() == 1) {
      single(alerts.get(0), blocks);
    } else {
      group(alerts, blocks);
    }
    return msg;
  }

  private void single(Alert a, ArrayNode blocks) {
    String title =
        icon(a)
            + " "
            + (a.firing() ? a.severity().name() : "RESOLVED")
            + " · "
            + a.rule()
            + " · "
            + a.runId();
    blocks.add(header(title));
    String lead =
        a.firing()
            ? "*" + mrkdwn(a.summary(), MAX_SECTION_CHARS - 2) + "*"
            : "*Resolved* after "
                + resolvedAfter(a)
                + ": "
                + mrkdwn(a.summary(), MAX_SECTION_CHARS - 40);
    blocks.add(section(lead));
    if (!a.actions().isEmpty()) {
      blocks.add(
          section(
              "*Actions*\n" + mrkdwn(String.join("\n", a.actionLines()), MAX_SECTION_CHARS - 20)));
    }

    List<String> facts = new ArrayList<>();
    facts.add(field("Run", a.runId()));
    facts.add(field("Job", a.job() == null ? "–" : a.job()));
    String where = where(a.placement());
    if (!where.isEmpty()) {
      facts.add(field("Where", where));
    }
    facts.add(field("Severity", a.severity().wire()));
    facts.add(field("Rule", a.rule()));
    if (a.step() != null) {
      facts.add(field("Step", a.step().toString()));
    }
    if (a.diagnosis() != null) {
      facts.add(field("Diagnosis", a.diagnosis()));
    }
    facts.add("*Started*\n" + slackDate(a.startsAt()));
    if (!a.firing()) {
      facts.add("*Resolved*\n" + slackDate(a.endsAt()));
    }
    blocks.add(fields(null, facts));

    if (!a.evidence().isEmpty()) {
      blocks.add(fields("*Evidence*", evidenceFields(a.evidence())));
    }
    if (a.firing() && !a.hint().isBlank()) {
      List<String> parts = split(mrkdwnFull(a.hint()), MAX_SECTION_CHARS - 20, MAX_HINT_SECTIONS);
      for (int i = 0; i < parts.size(); i++) {
        blocks.add(section(i == 0 ? "*What to do*\n" + parts.get(i) : parts.get(i)));
      }
    }
    blocks.add(context(a));
  }

  private void group(List<Alert> alerts, ArrayNode blocks) {
    Alert first = alerts.get(0);
    boolean anyFiring = alerts.stream().anyMatch(Alert::firing);
    Severity worst =
        alerts.stream()
            .filter(Alert::firing)
            .map(Alert::severity)
            .min(Comparator.naturalOrder())
            .orElse(Severity.INFO);
    String icon = anyFiring ? icon(worst) : "✅";
    blocks.add(header(icon + " " + alerts.size() + " alerts · " + scope(first)));
    for (int i = 0; i < alerts.size(); i++) {
      Alert a = alerts.get(i);
      String lead =
          icon(a)
              + " *"
              + (a.firing() ? a.severity().name() : "RESOLVED")
              + "* · "
              + mrkdwn(a.rule(), 128)
              + " · run "
              + mrkdwn(a.runId(), 256)
              + (a.firing() ? "" : " · after " + resolvedAfter(a))
              + "\n";
      ObjectNode s = section(lead + mrkdwn(a.summary(), MAX_SECTION_CHARS - lead.length()));
      if (!a.evidence().isEmpty()) {
        ArrayNode f = s.putArray("fields");
        evidenceFields(a.evidence()).forEach(t -> f.add(text(t)));
      }
      blocks.add(s);
      if (!a.actions().isEmpty()) {
        blocks.add(
            section(
                "*Actions*\n"
                    + mrkdwn(String.join("\n", a.actionLines()), MAX_SECTION_CHARS - 20)));
      }
      if (a.firing() && !a.hint().isBlank()) {
        blocks.add(section("*What to do*\n" + mrkdwn(a.hint(), MAX_SECTION_CHARS - 20)));
      }
      blocks.add(context(a));
      if (i < alerts.size() - 1) {
        blocks.add(BridgeJson.NODES.objectNode().put("type", "divider"));
      }
    }
  }

  /**
   * Where an alert points, for people: "rank 5 on gpu-node-3 (cuda:5)", "ranks 0, 1, 2 on
   * gpu-node-3"; empty for a run's own alert.
   */
  static String where(AlertPlacement at) {
    StringBuilder b = new StringBuilder();
    if (at.ranks().size() > 1) {
      b.append("ranks ");
      for (int i = 0; i < at.ranks().size(); i++) {
        b.append(i == 0 ? "" : ", ").append(at.ranks().get(i));
      }
    } else if (at.rank() != null) {
      b.append("rank ").append(at.rank());
    }
    if (at.host() != null) {
      b.append(b.length() == 0 ? "" : " on ").append(at.host());
      if (at.device() != null) {
        b.append(" (").append(at.device()).append(')');
      }
    }
    return b.toString();
  }

  private String fallback(List<Alert> alerts) {
    StringBuilder b = new StringBuilder();
    if (alerts.size() == 1) {
      Alert a = alerts.get(0);
      b.append(
          a.firing()
              ? "[" + a.severity().name() + "] " + a.rule() + " firing on run "
              : "[RESOLVED] " + a.rule() + " on run ");
      b.append(a.runId());
      if (a.job() != null) {
        b.append(" (job ").append(a.job()).append(')');
      }
      String where = where(a.placement());
      if (!where.isEmpty()) {
        b.append(", ").append(where);
      }
      if (!a.firing()) {
        b.append(" after ").append(resolvedAfter(a));
      }
      b.append(": ").append(a.summary());
      for (String line : a.actionLines()) {
        b.append(". ").append(line);
      }
    } else {
      b.append(alerts.size()).append(" alerts for ").append(scope(alerts.get(0))).append(": ");
      for (int i = 0; i < alerts.size(); i++) {
        Alert a = alerts.get(i);
        b.append(i == 0 ? "" : "; ")
            .append('[')
            .append(a.firing() ? a.severity().name() : "RESOLVED")
            .append("] ")
            .append(a.rule())
            .append(" on run ")
            .append(a.runId());
      }
    }
    return mrkdwn(b.toString(), MAX_FALLBACK_CHARS);
  }

  private List<String> evidenceFields(Map<String, Object> evidence) {
    List<String> out = new ArrayList<>();
    List<Map.Entry<String, Object>> entries = new ArrayList<>(evidence.entrySet());
    int shown = entries.size() <= MAX_FIELDS ? entries.size() : MAX_FIELDS - 1;
    for (int i = 0; i < shown; i++) {
      out.add(field(entries.get(i).getKey(), Numbers.forPeople(entries.get(i).getValue())));
    }
    if (shown < entries.size()) {
      StringBuilder rest = new StringBuilder();
      for (int i = shown; i < entries.size(); i++) {
        rest.append(i == shown ? "" : ", ")
            .append(entries.get(i).getKey())
            .append('=')
            .append(Numbers.forPeople(entries.get(i).getValue()));
      }
      out.add(field("+" + (entries.size() - shown) + " more", rest.toString()));
    }
    return out;
  }

  private ObjectNode context(Alert a) {
    ObjectNode c = BridgeJson.NODES.objectNode().put("type", "context");
    ArrayNode el = c.putArray("elements");
    el.add(text("alert `" + mrkdwn(a.alertId(), 600) + "` · revision " + a.revision()));
    links.runUrl(a).ifPresent(u -> el.add(text("<" + u + "|Run dashboard>")));
    links.runbookUrl(a).ifPresent(u -> el.add(text("<" + u + "|Runbook>")));
    return c;
  }

  private static ObjectNode header(String title) {
    ObjectNode h = BridgeJson.NODES.objectNode().put("type", "header");
    h.putObject("text")
        .put("type", "plain_text")
        .put("text", BridgeJson.truncate(title, MAX_HEADER_CHARS))
        .put("emoji", true);
    return h;
  }

  private static ObjectNode section(String mrkdwnText) {
    ObjectNode s = BridgeJson.NODES.objectNode().put("type", "section");
    s.set("text", text(mrkdwnText));
    return s;
  }

  private static ObjectNode fields(String title, List<String> items) {
    ObjectNode s = BridgeJson.NODES.objectNode().put("type", "section");
    if (title != null) {
      s.set("text", text(title));
    }
    ArrayNode f = s.putArray("fields");
    items.stream().limit(MAX_FIELDS).forEach(t -> f.add(text(t)));
    return s;
  }

  private static ObjectNode text(String mrkdwnText) {
    return BridgeJson.NODES.objectNode().put("type", "mrkdwn").put("text", mrkdwnText);
  }

  /** A bold label over an escaped value, within a field's limit. */
  private static String field(String label, String value) {
    String head = "*" + mrkdwn(label, 200) + "*\n";
    return head + mrkdwn(value, MAX_FIELD_CHARS - head.length());
  }

  private static String scope(Alert a) {
    return a.job() != null ? "job " + a.job() : "run " + a.runId();
  }

  private static String icon(Alert a) {
    return a.firing() ? icon(a.severity()) : "✅";
  }

  private static String icon(Severity s) {
    return switch (s) {
      case CRITICAL -> "🔴";
      case ERROR -> "🟠";
      case WARNING -> "🟡";
      case INFO -> "🔵";
    };
  }

  /** A date every reader sees in their own time zone, with the UTC instant as fallback. */
  private static String slackDate(Instant t) {
    return "<!date^" + t.getEpochSecond() + "^{date_short_pretty} {time_secs}|" + t + ">";
  }

  static String resolvedAfter(Alert a) {
    Duration d = Duration.between(a.startsAt(), a.endsAt());
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    long h = d.toHours();
    long m = d.toMinutesPart();
    long s = d.toSecondsPart();
    if (h > 0) {
      return h + "h " + m + "m";
    }
    return m > 0 ? m + "m " + s + "s" : s + "s";
  }

  /** Escapes Slack's control characters and keeps the result within {@code max} characters. */
  static String mrkdwn(String raw, int max) {
    String escaped = mrkdwnFull(raw);
    if (escaped.length() <= max) {
      return escaped;
    }
    int end = safeCut(escaped, max - 1);
    return escaped.substring(0, end) + "…";
  }

  private static String mrkdwnFull(String raw) {
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /**
   * Splits escaped text into at most {@code parts} chunks of at most {@code max}, preferring line
   * breaks.
   */
  private static List<String> split(String escaped, int max, int parts) {
    List<String> out = new ArrayList<>();
    String rest = escaped;
    while (!rest.isEmpty() && out.size() < parts) {
      if (rest.length() <= max) {
        out.add(rest);
        rest = "";
        break;
      }
      if (out.size() == parts - 1) {
        out.add(rest.substring(0, safeCut(rest, max - 1)) + "…");
        rest = "";
        break;
      }
      int cut = rest.lastIndexOf('\n', max);
      if (cut < max / 2) {
        cut = rest.lastIndexOf(' ', max);
      }
      if (cut < max / 2) {
        cut = safeCut(rest, max);
      }
      out.add(rest.substring(0, cut));
      rest = rest.substring(cut).stripLeading();
    }
    return out;
  }

  /**
   * A cut position at or before {@code max} that splits neither an HTML entity nor a surrogate
   * pair.
   */
  private static int safeCut(String s, int max) {
    int end = Math.min(max, s.length());
    int amp = s.lastIndexOf('&', end - 1);
    if (amp >= 0 && amp > end - 5 && s.indexOf(';', amp) >= end) {
      end = amp;
    }
    if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return end;
  }
}
