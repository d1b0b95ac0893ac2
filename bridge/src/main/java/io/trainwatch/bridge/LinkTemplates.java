package io.trainwatch.bridge;

import io.trainwatch.schemas.Alert;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Links put on every notification, built from URL templates with the placeholders {@code {run_id}},
 * {@code {job}}, {@code {rule}} and {@code {alert_id}} (values are percent-encoded), e.g. {@code
 * https://mlflow.example.com/#/runs/{run_id}}.
 *
 * @param runUrl where the run's curves are (MLflow, W&amp;B, TensorBoard...), or {@code null}
 * @param runbookUrl what to read at 3 a.m. about the rule, or {@code null}
 */
public record LinkTemplates(String runUrl, String runbookUrl) {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");
  private static final Set<String> NAMES = Set.of("run_id", "job", "rule", "alert_id");

  public LinkTemplates {
    validate("runUrl", runUrl);
    validate("runbookUrl", runbookUrl);
  }

  /** No links. */
  public static LinkTemplates none() {
    return new LinkTemplates(null, null);
  }

  /** The run link for {@code alert}, if a template is configured. */
  public Optional<String> runUrl(Alert alert) {
    return expand(runUrl, alert);
  }

  /** The runbook link for {@code alert}, if a template is configured. */
  public Optional<String> runbookUrl(Alert alert) {
    return expand(runbookUrl, alert);
  }

  private static Optional<String> expand(String template, Alert a) {
    if (template == null) {
      return Optional.empty();
    }
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value =
          switch (m.group(1)) {
            case "run_id" -> a.runId();
            case "job" -> a.job() == null ? "" : a.job();
            case "rule" -> a.rule();
            case "alert_id" -> a.alertId();
            default -> throw new IllegalStateException("validated placeholder: " + m.group(1));
          };
      m.appendReplacement(out, Matcher.quoteReplacement(percentEncode(value)));
    }
    m.appendTail(out);
    return Optional.of(out.toString());
  }

  private static void validate(String name, String template) {
    if (template == null) {
      return;
    }
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      if (!NAMES.contains(m.group(1))) {
        throw new IllegalArgumentException(
            name
                + "="
                + template
                + ": unknown placeholder {"
                + m.group(1)
                + "} (use {run_id}, {job}, {rule}, {alert_id})");
      }
    }
    try {
      URI u = URI.create(PLACEHOLDER.matcher(template).replaceAll("x"));
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        throw new IllegalArgumentException(
            name + "=" + template + ": must be an absolute http(s) URL");
      }
    } catch (IllegalArgumentException e) {
      if (e.getMessage().startsWith(name + "=")) {
        throw e;
      }
      throw new IllegalArgumentException(
          name + "=" + template + ": not a URL (" + e.getMessage() + ")", e);
    }
  }

  /**
   * RFC 3986 percent-encoding of everything but unreserved characters: safe in a path segment and a
   * query.
   */
  static String percentEncode(String s) {
    StringBuilder b = new StringBuilder();
    for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
      if (c >= 'a' && c <= 'z'
          || c >= 'A' && c <= 'Z'
          || c >= '0' && c <= '9'
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%')
            .append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return b.toString();
  }
}
