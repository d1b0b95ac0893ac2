package io.trainwatch.app;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.util.Numbers;
import java.util.Map;
import java.util.StringJoiner;

/** Renders alerts for people reading a terminal. */
final class AlertFormatter {

  private static final String RESET = "\u001b[0m";

  private final boolean color;

  AlertFormatter(boolean color) {
    this.color = color;
  }

  /** A few lines: status, severity, rule and run; the summary; the evidence; the hint, indented. */
  String format(Alert a) {
    StringBuilder out = new StringBuilder();
    String status = a.firing() ? "FIRING" : "RESOLVED";
    out.append(
            paint(
                a.firing() ? severityColor(a) : "\u001b[32m",
                "[" + status + "] " + a.severity().wire()))
        .append(' ')
        .append(a.rule())
        .append("  run=")
        .append(a.runId());
    if (a.job() != null) {
      out.append(" job=").append(a.job());
    }
    if (a.step() != null) {
      out.append(" step=").append(a.step());
    }
    out.append(" rev=").append(a.revision()).append('\n');
    out.append("  ").append(a.summary()).append('\n');
    if (a.firing()) {
      if (!a.evidence().isEmpty()) {
        out.append("  evidence: ").append(evidence(a.evidence())).append('\n');
      }
      if (!a.hint().isBlank()) {
        out.append("  fix: ").append(a.hint().replace("\n", "\n       ")).append('\n');
      }
    }
    return out.toString();
  }

  private static String evidence(Map<String, Object> evidence) {
    StringJoiner j = new StringJoiner(", ");
    evidence.forEach((k, v) -> j.add(k + "=" + Numbers.forPeople(v)));
    return j.toString();
  }

  private String severityColor(Alert a) {
    switch (a.severity()) {
      case CRITICAL:
      case ERROR:
        return "\u001b[31;1m";
      case WARNING:
        return "\u001b[33;1m";
      default:
        return "\u001b[36m";
    }
  }

  private String paint(String code, String text) {
    return color ? code + text + RESET : text;
  }
}
