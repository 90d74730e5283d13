package io.jray.gcs;

import com.sun.net.httpserver.HttpExchange;
import io.jray.common.concurrent.EventLoop;
import io.jray.common.grpc.ChannelPool;
import io.jray.common.metrics.MetricsServer;
import io.jray.common.state.JsonText;
import io.jray.common.state.StateFilter;
import io.jray.common.state.StateRows;
import io.jray.proto.ActorInfo;
import io.jray.proto.GetNodeStatsReply;
import io.jray.proto.GetTasksReply;
import io.jray.proto.JobInfo;
import io.jray.proto.ListLogsReply;
import io.jray.proto.ListLogsRequest;
import io.jray.proto.LogFile;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeLogServiceGrpc;
import io.jray.proto.ReadLogReply;
import io.jray.proto.ReadLogRequest;
import io.jray.proto.TaskCount;
import io.jray.proto.TaskInfo;
import io.jray.proto.WorkerStats;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The dashboard's JSON API under {@code /api/} (DESIGN §13), on GCS's HTTP server. Rows have the
 * fields and names of {@code jray list --json} ({@link StateRows}), so the page, the CLI and
 * scripts see one shape. The tables are read on {@code gcs-loop}, the task events on
 * {@code task-events} (each at most 2 s), the nodes' stats and logs from their raylets over gRPC in
 * parallel (2 s each); a node that does not answer is named in the reply's {@code warnings},
 * never left out silently.
 *
 * <p>Routes: {@code summary}, {@code nodes}, {@code jobs}, {@code actors}, {@code tasks} (paged:
 * {@code limit}, {@code offset}, repeated {@code filter=KEY=VALUE}), {@code timeline} (the most
 * recent tasks with their start and end, per worker), {@code logs?node=ID} and
 * {@code log?node=ID&file=NAME&tail=N}. A bad parameter gets 400 with what to fix.
 */
final class DashboardApi {
  static final int MAX_PAGE = 1_000;
  static final int MAX_OFFSET = 100_000;
  private static final long STEP_SECONDS = 2;

  private final EventLoop loop;
  private final NodeTable nodes;
  private final JobTable jobs;
  private final ActorTable actors;
  private final EventLoop eventsLoop;
  private final TaskEventStore events;
  private final ChannelPool channels;
  private final NodeStatsPoll poll;
  private final Incarnation incarnation;

  DashboardApi(EventLoop loop, NodeTable nodes, JobTable jobs, ActorTable actors, EventLoop eventsLoop,
      TaskEventStore events, ChannelPool channels, Incarnation incarnation) {
    this.loop = loop;
    this.nodes = nodes;
    this.jobs = jobs;
    this.actors = actors;
    this.eventsLoop = eventsLoop;
    this.events = events;
    this.channels = channels;
    this.poll = new NodeStatsPoll(channels);
    this.incarnation = incarnation;
  }

  /** Adds the routes to {@code http}. */
  void routeOn(MetricsServer http) {
    http.route("/api/summary", e -> json(e, this::summary));
    http.route("/api/nodes", e -> json(e, this::nodes));
    http.route("/api/jobs", e -> json(e, q -> rows(onLoop(jobs::all), StateRows::job)));
    http.route("/api/actors", e -> json(e, q -> rows(onLoop(actors::all), StateRows::actor)));
    http.route("/api/tasks", e -> json(e, this::tasks));
    http.route("/api/timeline", e -> json(e, this::timeline));
    http.route("/api/logs", e -> json(e, this::logs));
    http.route("/api/log", e -> json(e, this::log));
  }

  /** A handler's answer: a JSON value, or a refusal for its status. */
  private interface Handler {
    Object answer(Query q) throws Exception;
  }

  private static final class BadRequest extends RuntimeException {
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private static void json(HttpExchange exchange, Handler h) throws IOException {
    if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
      reply(exchange, 404, ordered("error", "no such API: " + exchange.getRequestURI().getPath()
          + " (see /api/summary, nodes, jobs, actors, tasks, timeline, logs, log)"));
      return;
    }
    Object body;
    int status = 200;
    try {
      body = h.answer(new Query(exchange.getRequestURI().getRawQuery()));
    } catch (BadRequest e) {
      status = e.status;
      body = ordered("error", e.getMessage());
    } catch (IllegalArgumentException e) {
      status = 400;
      body = ordered("error", e.getMessage());
    } catch (Exception e) {
      status = 503;
      body = ordered("error", "GCS could not answer: " + e);
    }
    reply(exchange, status, body);
  }

  /** A JSON object with its keys in the order given (Map.of's order is unspecified, and people read these). */
  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static void reply(HttpExchange exchange, int status, Object body) throws IOException {
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    MetricsServer.reply(exchange, status, "application/json; charset=utf-8",
        JsonText.of(body).getBytes(StandardCharsets.UTF_8));
  }

  /** The query string's parameters; {@code filter} may repeat. */
  static final class Query {
    final Map<String, List<String>> params = new LinkedHashMap<>();

    Query(String raw) {
      if (raw == null || raw.isEmpty()) {
        return;
      }
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        params.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      }
    }

    String get(String key, String def) {
      List<String> v = params.get(key);
      return v == null || v.isEmpty() ? def : v.get(0);
    }

    int getInt(String key, int def, int min, int max) {
      String v = get(key, null);
      if (v == null || v.isBlank()) {
        return def;
      }
      int n;
      try {
        n = Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
      }
      if (n < min || n > max) {
        throw new IllegalArgumentException(key + " must be " + min + ".." + max + ", got " + n);
      }
      return n;
    }

    List<String> all(String key) {
      return params.getOrDefault(key, List.of());
    }
  }

  private <T> T onLoop(Supplier<T> read) throws Exception {
    return CompletableFuture.supplyAsync(read, loop).get(STEP_SECONDS, TimeUnit.SECONDS);
  }

  private GetTasksReply taskQuery(List<StateFilter> filters, int limit, boolean detail, boolean countsOnly)
      throws Exception {
    return CompletableFuture.supplyAsync(() -> events.query(filters, limit, detail, countsOnly), eventsLoop)
        .get(STEP_SECONDS, TimeUnit.SECONDS);
  }

  private static <T> List<Map<String, Object>> rows(List<T> items, java.util.function.Function<T, Map<String, Object>> row) {
    List<Map<String, Object>> out = new ArrayList<>(items.size());
    items.forEach(i -> out.add(row.apply(i)));
    return out;
  }

  /** Every ALIVE node's stats, asked in parallel; those that do not answer are named in {@code warnings}. */
  private Map<NodeInfo, GetNodeStatsReply> nodeStats(List<NodeInfo> alive, List<String> warnings) {
    List<NodeInfo> unanswered = new ArrayList<>();
    Map<NodeInfo, GetNodeStatsReply> out = poll.ask(alive, unanswered);
    for (NodeInfo n : unanswered) {
      warnings.add("node " + NodeTable.hex(n.getNodeId()) + " (" + n.getHost() + ":" + n.getRayletPort()
          + ") did not answer: its resources, store and workers are missing");
    }
    return out;
  }

  private Object summary(Query q) throws Exception {
    List<String> warnings = new ArrayList<>();
    List<NodeInfo> all = onLoop(nodes::all);
    List<NodeInfo> alive = all.stream().filter(n -> n.getState() == NodeInfo.State.ALIVE).toList();
    Map<NodeInfo, GetNodeStatsReply> stats = nodeStats(alive, warnings);
    Map<String, double[]> resources = new TreeMap<>(); // name -> {total, used}
    long storeUsed = 0;
    long storeSpilled = 0;
    long storeCapacity = 0;
    List<Map<String, Object>> stores = new ArrayList<>();
    for (NodeInfo n : alive) {
      GetNodeStatsReply s = stats.get(n);
      n.getTotalResourcesMap().forEach((k, v) -> resources.computeIfAbsent(k, x -> new double[2])[0] += v);
      if (s == null) {
        continue;
      }
      s.getTotalResourcesMap().forEach((k, v) -> resources.computeIfAbsent(k, x -> new double[2])[1]
          += v - s.getAvailableResourcesOrDefault(k, 0));
      storeUsed += s.getStore().getUsed();
      storeSpilled += s.getStore().getSpilledBytes();
      storeCapacity += s.getStore().getCapacity();
      stores.add(store(n, s));
    }
    Map<String, Object> res = new LinkedHashMap<>();
    resources.forEach((k, v) -> res.put(k, ordered("total", v[0], "used", v[1])));
    GetTasksReply t = taskQuery(List.of(), 1, false, true);
    Map<String, Long> taskStates = new TreeMap<>();
    for (TaskCount c : t.getCountsList()) {
      taskStates.merge(c.getState().name(), c.getCount(), Long::sum);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    io.jray.proto.GcsInfo info = onLoop(incarnation::info);
    out.put("gcs", ordered("incarnation", info.getIncarnation(), "start_time_ms", info.getStartTimeMs(),
        "storage_dir", info.getStorageDir()));
    out.put("time_ms", System.currentTimeMillis());
    out.put("nodes", ordered("alive", alive.size(), "dead", all.size() - alive.size()));
    out.put("resources", res);
    out.put("object_store", ordered("used", storeUsed, "spilled", storeSpilled, "capacity", storeCapacity));
    out.put("object_store_per_node", stores);
    out.put("jobs", byState(onLoop(jobs::all), j -> j.getState().name()));
    out.put("actors", byState(onLoop(actors::all), a -> a.getState().name()));
    out.put("tasks", taskStates);
    out.put("tasks_stored", t.getStored());
    out.put("tasks_capacity", t.getCapacity());
    warnings.addAll(io.jray.common.state.TaskDropWarnings.of(t));
    out.put("warnings", warnings);
    return out;
  }

  private static Map<String, Object> store(NodeInfo n, GetNodeStatsReply s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node_id", NodeTable.hex(n.getNodeId()));
    m.put("host", n.getHost());
    m.put("used", s.getStore().getUsed());
    m.put("spilled", s.getStore().getSpilledBytes());
    m.put("capacity", s.getStore().getCapacity());
    m.put("objects", s.getStore().getObjectCount());
    return m;
  }

  private static <T> Map<String, Long> byState(List<T> rows, java.util.function.Function<T, String> state) {
    Map<String, Long> m = new TreeMap<>();
    rows.forEach(r -> m.merge(state.apply(r), 1L, Long::sum));
    return m;
  }

  private Object nodes(Query q) throws Exception {
    List<String> warnings = new ArrayList<>();
    List<NodeInfo> all = onLoop(nodes::all);
    Map<NodeInfo, GetNodeStatsReply> stats = nodeStats(all.stream().filter(n -> n.getState() == NodeInfo.State.ALIVE)
        .toList(), warnings);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (NodeInfo n : all) {
      Map<String, Object> r = StateRows.node(n);
      GetNodeStatsReply s = stats.get(n);
      if (s != null) {
        r.put("available_resources", new TreeMap<>(s.getAvailableResourcesMap()));
        r.put("store", store(n, s));
        Map<String, Long> workers = new TreeMap<>();
        for (WorkerStats w : s.getWorkersList()) {
          workers.merge(w.getState(), 1L, Long::sum);
        }
        r.put("workers", workers);
        r.put("worker_rows", rows(s.getWorkersList(), w -> StateRows.worker(w, n)));
      }
      rows.add(r);
    }
    return ordered("rows", rows, "warnings", warnings);
  }

  private Object tasks(Query q) throws Exception {
    int limit = q.getInt("limit", 50, 1, MAX_PAGE);
    int offset = q.getInt("offset", 0, 0, MAX_OFFSET);
    List<StateFilter> filters = StateFilter.parseAll(q.all("filter"));
    StateFilter.checkKeys(filters, TaskEventStore.FILTER_KEYS, "tasks");
    boolean detail = Boolean.parseBoolean(q.get("detail", "false"));
    // the store gives the most recent n, oldest first: the page counted from the newest is their tail
    GetTasksReply r = taskQuery(filters, Math.min(offset + limit, MAX_OFFSET), detail, false);
    List<TaskInfo> recent = r.getTasksList();
    List<Map<String, Object>> page = new ArrayList<>(limit);
    for (int i = recent.size() - 1 - offset; i >= 0 && page.size() < limit; i--) {
      page.add(StateRows.task(recent.get(i), detail));
    }
    List<String> warnings = new ArrayList<>();
    warnings.addAll(io.jray.common.state.TaskDropWarnings.of(r));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total", r.getMatched());
    out.put("offset", offset);
    out.put("limit", limit);
    out.put("rows", page);
    List<Map<String, Object>> counts = new ArrayList<>();
    for (TaskCount c : r.getCountsList()) {
      counts.add(ordered("name", c.getName(), "state", c.getState().name(), "count", c.getCount()));
    }
    out.put("counts", counts);
    out.put("warnings", warnings);
    return out;
  }

  private Object timeline(Query q) throws Exception {
    int limit = q.getInt("limit", 300, 1, MAX_PAGE);
    GetTasksReply r = taskQuery(List.of(), limit, false, false);
    Map<String, List<Map<String, Object>>> byWorker = new TreeMap<>();
    long now = System.currentTimeMillis();
    for (TaskInfo t : r.getTasksList()) {
      String worker = StateRows.hex(t.getWorkerId());
      Map<String, Object> bar = new LinkedHashMap<>();
      bar.put("task_id", StateRows.hex(t.getTaskId()));
      bar.put("name", t.getName());
      bar.put("state", t.getState().name());
      bar.put("node_id", StateRows.hex(t.getNodeId()));
      bar.put("start_time_ms", t.getStartTimeMs());
      bar.put("end_time_ms", t.getEndTimeMs());
      byWorker.computeIfAbsent(worker.isEmpty() ? "(not started)" : worker, k -> new ArrayList<>()).add(bar);
    }
    List<Map<String, Object>> lanes = new ArrayList<>();
    byWorker.forEach((w, bars) -> lanes.add(ordered("worker_id", w, "tasks", bars)));
    return ordered("time_ms", now, "lanes", lanes);
  }

  private NodeInfo node(Query q) throws Exception {
    String id = q.get("node", "").trim().toLowerCase(java.util.Locale.ROOT);
    if (id.isEmpty()) {
      throw new IllegalArgumentException("give node=ID (a node id or a prefix of one, from /api/nodes)");
    }
    List<NodeInfo> matches = onLoop(nodes::all).stream().filter(n -> NodeTable.hex(n.getNodeId()).startsWith(id))
        .toList();
    if (matches.size() != 1) {
      throw new BadRequest(matches.isEmpty() ? 404 : 400, matches.isEmpty() ? "no node " + id
          : "node prefix " + id + " matches " + matches.size() + " nodes: give more of the id");
    }
    NodeInfo n = matches.get(0);
    if (n.getState() != NodeInfo.State.ALIVE) {
      throw new BadRequest(409, "node " + NodeTable.hex(n.getNodeId()) + " is DEAD (" + n.getDeathReason()
          + "): its logs are on that machine's session directory");
    }
    return n;
  }

  private Object logs(Query q) throws Exception {
    NodeInfo n = node(q);
    ListLogsReply r = NodeLogServiceGrpc.newBlockingStub(channels.get(n.getHost(), n.getRayletPort()))
        .withDeadlineAfter(STEP_SECONDS, TimeUnit.SECONDS).listLogs(ListLogsRequest.getDefaultInstance());
    List<Map<String, Object>> files = new ArrayList<>();
    for (LogFile f : r.getFilesList()) {
      files.add(ordered("name", f.getName(), "size", f.getSize(), "modified_ms", f.getModifiedMs()));
    }
    return ordered("node_id", NodeTable.hex(n.getNodeId()), "files", files);
  }

  private Object log(Query q) throws Exception {
    NodeInfo n = node(q);
    String file = q.get("file", "");
    if (file.isEmpty()) {
      throw new IllegalArgumentException("give file=NAME (a name from /api/logs?node=ID)");
    }
    int tail = q.getInt("tail", 200, 1, 10_000);
    ReadLogReply r;
    try {
      r = NodeLogServiceGrpc.newBlockingStub(channels.get(n.getHost(), n.getRayletPort()))
          .withDeadlineAfter(STEP_SECONDS, TimeUnit.SECONDS).readLog(ReadLogRequest.newBuilder().setName(file)
              .setTailLines(tail).setOffset(-1).build());
    } catch (io.grpc.StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.INVALID_ARGUMENT
          || e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        throw new BadRequest(e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND ? 404 : 400,
            e.getStatus().getDescription());
      }
      throw e;
    }
    return ordered("node_id", NodeTable.hex(n.getNodeId()), "file", file, "size", r.getSize(),
        "text", r.getData().toString(StandardCharsets.UTF_8));
  }
}
