package io.trainwatch.bridge;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A value that must never reach a log, an exception message or a dead-letter header: webhook URLs,
 * routing keys, auth headers. {@link #toString()} shows only the redacted {@link #display()}.
 *
 * @param value the secret itself; read it only to build a request
 * @param display what logs show instead, e.g. {@code https://hooks.slack.com/services/***}
 */
public record Secret(String value, String display) {

  public Secret {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("secret: must not be empty");
    }
    if (display == null || display.isEmpty()) {
      throw new IllegalArgumentException("display: must not be empty");
    }
  }

  /** A token shown as {@code ***}. */
  public static Secret token(String value) {
    return new Secret(value, "***");
  }

  /** A URL shown with only its scheme, host, port and first path segment. */
  public static Secret url(String value) {
    return new Secret(value, redactUrl(value));
  }

  /**
   * Keeps what identifies the service and hides what grants access: {@code
   * https://hooks.slack.com/services/T0/B0/X} becomes {@code https://hooks.slack.com/services/***};
   * user info, further path segments, query and fragment go.
   */
  public static String redactUrl(String url) {
    try {
      URI u = new URI(url);
      if (u.getScheme() == null || u.getHost() == null) {
        return "***";
      }
      StringBuilder b = new StringBuilder(u.getScheme()).append("://").append(u.getHost());
      if (u.getPort() != -1) {
        b.append(':').append(u.getPort());
      }
      b.append('/');
      String path = u.getRawPath() == null ? "" : u.getRawPath();
      String[] segments = path.replaceFirst("^/", "").split("/", -1);
      if (segments.length >= 2 && !segments[0].isEmpty()) {
        b.append(segments[0]).append('/');
      }
      return b.append("***").toString();
    } catch (URISyntaxException e) {
      return "***";
    }
  }

  @Override
  public String toString() {
    return display;
  }
}
