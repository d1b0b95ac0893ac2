package io.trainwatch.monitor.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.trainwatch.cli.http.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The dashboard: three static files (HTML, CSS, JavaScript) from the monitor's jar, with no
 * dependency and no build step, that read the runs API. {@code /} is the page; {@code /dashboard/*}
 * its assets. A strict content security policy: the page loads only its own files.
 */
final class Dashboard implements HttpHandler {

  private static final String ROOT = "/io/trainwatch/monitor/dashboard/";
  private static final Map<String, String> TYPES =
      Map.of(
          "index.html", "text/html; charset=utf-8",
          "style.css", "text/css; charset=utf-8",
          "app.js", "text/javascript; charset=utf-8");

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String file;
    if (path.equals("/") || path.equals("/index.html")) {
      file = "index.html";
    } else if (path.startsWith("/dashboard/")) {
      file = path.substring("/dashboard/".length());
    } else {
      Responses.text(ex, 404, path + ": not found; the dashboard is at /\n");
      return;
    }
    String type = TYPES.get(file);
    if (type == null) {
      Responses.text(ex, 404, path + ": not found\n");
      return;
    }
    byte[] body;
    try (InputStream in = Dashboard.class.getResourceAsStream(ROOT + file)) {
      if (in == null) {
        throw new IllegalStateException(ROOT + file + ": missing from the monitor's jar");
      }
      body = in.readAllBytes();
    }
    ex.getResponseHeaders()
        .set(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'");
    Responses.send(ex, 200, type, body);
  }
}
