package io.jray.gcs;

import com.sun.net.httpserver.HttpExchange;
import io.jray.common.metrics.MetricsServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The dashboard's page (DESIGN §13): plain HTML, CSS and JavaScript kept as resources of this
 * module, no build step, served from memory at {@code /} and {@code /static/}. The page reads
 * everything from {@link DashboardApi}. A browser opens it once as {@code /?token=TOKEN}; the
 * server keeps the token in a cookie from then on.
 */
final class DashboardPage {
  private static final Map<String, String> FILES = Map.of(
      "/", "index.html",
      "/static/dashboard.js", "dashboard.js",
      "/static/dashboard.css", "dashboard.css");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8");

  private final Map<String, byte[]> content = new java.util.HashMap<>();

  DashboardPage() {
    for (String name : FILES.values()) {
      try (InputStream in = DashboardPage.class.getResourceAsStream("dashboard/" + name)) {
        if (in == null) {
          throw new IllegalStateException("the dashboard resource " + name + " is missing from the GCS jar");
        }
        content.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the dashboard resource " + name + ": " + e.getMessage(), e);
      }
    }
  }

  void routeOn(MetricsServer http) {
    http.route("/", this::handle);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String name = FILES.get(path.equals("/index.html") ? "/" : path);
    if (name == null) {
      MetricsServer.reply(exchange, 404, "text/plain; charset=utf-8", ("404: no page " + path + " (the dashboard is at /,"
          + " its API under /api/, metrics at /metrics)\n").getBytes(StandardCharsets.UTF_8));
      return;
    }
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    MetricsServer.reply(exchange, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), content.get(name));
  }
}
