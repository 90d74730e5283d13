package io.jray.common.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.jray.common.config.JRayConfig;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process's Prometheus endpoint (DESIGN §13): {@code GET /metrics} in the Prometheus text format
 * from this process's registry (JRay's metrics and the JVM's), over the JDK's HTTP server, for
 * callers that present the cluster token as {@code Authorization: Bearer TOKEN}. GCS adds its
 * {@code /api/} routes to the same server.
 *
 * <p>Threads: a virtual thread per request (scrapes are rare and short); the metrics read what
 * their components publish, so no request waits on a component's loop for long.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
  private static boolean jvmMetricsRegistered;

  private final HttpServer http;
  private final ExecutorService executor;
  private final byte[] token;

  private MetricsServer(HttpServer http, ExecutorService executor, String token) {
    this.http = http;
    this.executor = executor;
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Serves this process's metrics on {@code host} and {@code metrics.port}, or returns null when
   * {@code metrics.enabled} is false. A port that cannot be bound is logged and also gives null:
   * metrics are for people looking and must not stop a node from starting.
   */
  public static MetricsServer startIfEnabled(String host, String token, String component) {
    if (!JRayConfig.getBoolean(JRayConfig.METRICS_ENABLED)) {
      return null;
    }
    int port = JRayConfig.getInt(JRayConfig.METRICS_PORT);
    try {
      MetricsServer m = start(host, port, token);
      LOG.info("{} metrics at http://{}:{}/metrics (Authorization: Bearer <cluster token>)", component, host,
          m.port());
      return m;
    } catch (IOException | RuntimeException e) {
      LOG.warn("{} serves no metrics: cannot listen on {}:{} ({}); set metrics.port to a free port", component, host,
          port, e.toString());
      return null;
    }
  }

  /**
   * GCS's HTTP server on {@code host:port}, or on any free port when that one is taken (logged: a
   * second cluster on one machine must still start); null when it cannot listen at all.
   */
  public static MetricsServer startOrAnyPort(String host, int port, String token, String component) {
    try {
      return start(host, port, token);
    } catch (IOException first) {
      try {
        MetricsServer m = start(host, 0, token);
        LOG.warn("{} HTTP port {} is taken ({}): serving on {} instead (jray status shows it)", component, port,
            first.toString(), m.port());
        return m;
      } catch (IOException | RuntimeException e) {
        LOG.warn("{} serves no HTTP: cannot listen on {} ({})", component, host, e.toString());
        return null;
      }
    }
  }

  /** Serves on {@code host:port} (0: any free port). */
  public static MetricsServer start(String host, int port, String token) throws IOException {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("a metrics endpoint needs the cluster token");
    }
    registerJvmMetrics();
    HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
    ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("metrics-http-", 0)
        .factory());
    http.setExecutor(executor);
    MetricsServer m = new MetricsServer(http, executor, token);
    m.route("/metrics", MetricsServer::writeMetrics);
    // the JDK's dispatcher thread takes its daemon flag from the thread that starts it: started
    // from a daemon, an endpoint never keeps a process alive that should exit (a worker whose
    // raylet died while it registered did, here)
    Thread starter = Thread.ofPlatform().daemon().name("metrics-http-start").start(http::start);
    try {
      starter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      http.stop(0);
      throw new IOException("interrupted while starting the metrics endpoint", e);
    }
    return m;
  }

  private static synchronized void registerJvmMetrics() {
    if (!jvmMetricsRegistered) {
      JvmMetrics.builder().register(PrometheusRegistry.defaultRegistry);
      jvmMetricsRegistered = true;
    }
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** The cookie a browser keeps the token in once a page was opened with {@code ?token=}. */
  public static final String COOKIE = "jray_token";

  /**
   * Serves {@code path} (and below it) to callers with the token (the bearer header, or the
   * cookie a browser got from {@code ?token=}); others get 401.
   */
  public void route(String path, HttpHandler handler) {
    http.createContext(path, exchange -> {
      try (exchange) {
        String fromQuery = queryToken(exchange);
        if (fromQuery != null && matches(fromQuery)) {
          // a link with the token: keep it in a cookie and take it out of the address bar and history
          exchange.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + fromQuery
              + "; Path=/; HttpOnly; SameSite=Strict");
          exchange.getResponseHeaders().set("Location", withoutToken(exchange));
          reply(exchange, 303, "text/plain; charset=utf-8", "303: token kept in a cookie\n"
              .getBytes(StandardCharsets.UTF_8));
          return;
        }
        if (!authorized(exchange)) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"jray\"");
          reply(exchange, 401, "text/plain; charset=utf-8", ("401: JRay endpoints need the cluster token:"
              + " send the header 'Authorization: Bearer TOKEN' (the token is in the session directory's"
              + " file token, e.g. /tmp/jray/session_latest/token); in a browser, open the page once with"
              + " ?token=TOKEN\n").getBytes(StandardCharsets.UTF_8));
          return;
        }
        if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
          reply(exchange, 405, "text/plain; charset=utf-8", "405: only GET\n".getBytes(StandardCharsets.UTF_8));
          return;
        }
        handler.handle(exchange);
      } catch (IOException | RuntimeException e) {
        LOG.debug("metrics request {} failed: {}", exchange.getRequestURI(), e.toString());
      }
    });
  }

  private boolean authorized(HttpExchange exchange) {
    String h = exchange.getRequestHeaders().getFirst("Authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return matches(h.substring(7).trim());
    }
    for (String cookies : exchange.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
      for (String c : cookies.split(";")) {
        String kv = c.trim();
        if (kv.startsWith(COOKIE + "=")) {
          return matches(kv.substring(COOKIE.length() + 1));
        }
      }
    }
    return false;
  }

  private boolean matches(String presented) {
    return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
  }

  private static String queryToken(HttpExchange exchange) {
    String q = exchange.getRequestURI().getRawQuery();
    if (q == null) {
      return null;
    }
    for (String pair : q.split("&")) {
      if (pair.startsWith("token=")) {
        return java.net.URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static String withoutToken(HttpExchange exchange) {
    String q = exchange.getRequestURI().getRawQuery();
    StringBuilder rest = new StringBuilder();
    for (String pair : q.split("&")) {
      if (!pair.startsWith("token=") && !pair.isEmpty()) {
        rest.append(rest.isEmpty() ? "?" : "&").append(pair);
      }
    }
    return exchange.getRequestURI().getRawPath() + rest;
  }

  private static void writeMetrics(HttpExchange exchange) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    PrometheusTextFormatWriter.create().write(out, PrometheusRegistry.defaultRegistry.scrape());
    reply(exchange, 200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray());
  }

  /** Sends a whole reply. */
  public static void reply(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(body);
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
