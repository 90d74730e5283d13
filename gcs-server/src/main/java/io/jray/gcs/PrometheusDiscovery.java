package io.jray.gcs;

import com.sun.net.httpserver.HttpExchange;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.metrics.MetricsServer;
import io.jray.common.state.JsonText;
import io.jray.proto.GetNodeStatsReply;
import io.jray.proto.NodeInfo;
import io.jray.proto.WorkerStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/prometheus_sd}: Prometheus HTTP service discovery for the whole cluster (DESIGN
 * §13), so one scrape config finds every process: GCS itself, every ALIVE node's raylet (from the
 * node table) and each node's workers and drivers (asked of its raylet, as {@code jray list
 * workers} does). A raylet that does not answer in 2 s leaves its workers out, which the reply's
 * warning header says; its own target stays listed.
 */
final class PrometheusDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusDiscovery.class);

  private final EventLoop loop;
  private final NodeTable nodes;
  private final NodeStatsPoll poll;
  private final int httpPort;

  PrometheusDiscovery(EventLoop loop, NodeTable nodes, ChannelPool channels, int httpPort) {
    this.loop = loop;
    this.nodes = nodes;
    this.poll = new NodeStatsPoll(channels);
    this.httpPort = httpPort;
  }

  void handle(HttpExchange exchange) throws IOException {
    List<String> unanswered = new ArrayList<>();
    // GCS listens on every address (dashboard.host 0.0.0.0): the one Prometheus reached it by is
    // the one that reaches it
    String json = JsonText.of(groups(gcsHost(exchange), unanswered));
    if (!unanswered.isEmpty()) {
      exchange.getResponseHeaders().set("Warning", "199 jray \"no worker list from node(s) " + String.join(", ",
          unanswered) + "\"");
    }
    MetricsServer.reply(exchange, 200, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /** The target groups, in Prometheus' http_sd format. */
  List<Map<String, Object>> groups(String gcsHost, List<String> unanswered) {
    List<Map<String, Object>> out = new ArrayList<>();
    out.add(group(List.of(gcsHost + ":" + httpPort), "gcs", null));
    List<NodeInfo> alive;
    try {
      alive = CompletableFuture.supplyAsync(nodes::alive, loop).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("prometheus_sd lists GCS only: the node table did not answer ({})", e.toString());
      return out;
    }
    List<NodeInfo> silent = new ArrayList<>();
    Map<NodeInfo, GetNodeStatsReply> stats = poll.ask(alive, silent);
    for (NodeInfo n : alive) {
      String node = NodeTable.hex(n.getNodeId());
      if (n.getMetricsPort() > 0) {
        out.add(group(List.of(n.getHost() + ":" + n.getMetricsPort()), "raylet", node));
      }
      GetNodeStatsReply s = stats.get(n);
      if (s == null) {
        unanswered.add(node);
        continue;
      }
      List<String> workers = new ArrayList<>();
      List<String> drivers = new ArrayList<>();
      for (WorkerStats w : s.getWorkersList()) {
        if (w.getMetricsPort() > 0) {
          ("DRIVER".equals(w.getState()) ? drivers : workers).add(n.getHost() + ":" + w.getMetricsPort());
        }
      }
      if (!workers.isEmpty()) {
        out.add(group(workers, "worker", node));
      }
      if (!drivers.isEmpty()) {
        out.add(group(drivers, "driver", node));
      }
    }
    return out;
  }

  private static String gcsHost(HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    if (host != null && !host.isBlank()) {
      host = host.trim();
      if (host.startsWith("[")) {
        int end = host.indexOf(']');
        return end > 0 ? host.substring(0, end + 1) : host;
      }
      int colon = host.lastIndexOf(':');
      return colon > 0 ? host.substring(0, colon) : host;
    }
    return exchange.getLocalAddress().getAddress().getHostAddress();
  }

  private static Map<String, Object> group(List<String> targets, String component, String node) {
    Map<String, Object> labels = new LinkedHashMap<>();
    labels.put("jray_component", component);
    if (node != null) {
      labels.put("jray_node_id", node);
    }
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("targets", targets);
    g.put("labels", labels);
    return g;
  }
}
