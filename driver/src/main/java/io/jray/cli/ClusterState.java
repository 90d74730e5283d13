package io.jray.cli;

import io.grpc.ManagedChannel;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.GcsUnavailableException;
import io.jray.common.grpc.Rpc;
import io.jray.common.state.StateFilter;
import io.jray.common.state.StateRows;
import io.jray.proto.GetNodeStatsReply;
import io.jray.proto.GetNodeStatsRequest;
import io.jray.proto.GetTasksReply;
import io.jray.proto.GetTasksRequest;
import io.jray.proto.ListObjectsReply;
import io.jray.proto.ListObjectsRequest;
import io.jray.proto.NodeInfo;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.proto.OwnedObject;
import io.jray.proto.OwnerStateServiceGrpc;
import io.jray.proto.TaskInfo;
import io.jray.proto.WorkerStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What the state API commands ask the cluster: GCS for nodes, jobs, actors and tasks; every alive
 * raylet for its workers and drivers; every worker and driver for the objects it owns. A process
 * that does not answer (within 5 s) leaves a warning in {@link #warnings}, which the commands
 * print on stderr: a partial answer is never shown as a whole one.
 *
 * <p>Threads: the calling thread asks GCS; raylets and owners are asked in parallel on virtual
 * threads of its own executor, closed with this.
 */
final class ClusterState implements AutoCloseable {
  static final List<String> KINDS = List.of("nodes", "jobs", "actors", "tasks", "objects", "workers");
  private static final long PEER_TIMEOUT_S = 5;

  private final ClusterTarget target;
  private final GcsClient client;
  private final GcsClient gcs;
  private final ExecutorService peers = Executors.newVirtualThreadPerTaskExecutor();
  final List<String> warnings = new ArrayList<>();

  ClusterState(String addressFlag) {
    this.target = ClusterTarget.resolve(addressFlag);
    this.client = new GcsClient(target.address(), target.token());
    // a look, not a wait: one attempt, and a stopped cluster is reported at once
    this.gcs = client.withReconnectTimeout(Duration.ZERO).withCallTimeout(Duration.ofSeconds(30));
  }

  /** Runs a GCS call, turning an unreachable GCS into its last status (the CLI prints it). */
  <T> T ask(Function<GcsClient, T> call) {
    try {
      return call.apply(gcs);
    } catch (GcsUnavailableException e) {
      throw e.lastStatus().asRuntimeException();
    }
  }

  List<NodeInfo> nodes() {
    return ask(GcsClient::allNodes);
  }

  /** The keys rows of {@code kind} have (a filter must name one). */
  static Set<String> keysOf(String kind) {
    return switch (kind) {
      case "nodes" -> StateRows.node(NodeInfo.getDefaultInstance()).keySet();
      case "jobs" -> StateRows.job(io.jray.proto.JobInfo.getDefaultInstance()).keySet();
      case "actors" -> StateRows.actor(io.jray.proto.ActorInfo.getDefaultInstance()).keySet();
      case "tasks" -> StateRows.task(TaskInfo.getDefaultInstance(), true).keySet();
      case "workers" -> StateRows.worker(WorkerStats.getDefaultInstance(), NodeInfo.getDefaultInstance()).keySet();
      case "objects" -> StateRows.object(OwnedObject.getDefaultInstance(), io.jray.proto.Address.getDefaultInstance(),
          com.google.protobuf.ByteString.EMPTY).keySet();
      default -> throw new IllegalArgumentException("cannot list '" + kind + "'; kinds: " + String.join(", ", KINDS));
    };
  }

  /** Rows of {@code kind} passing {@code filters}; tasks are filtered and limited by GCS, the rest here. */
  List<Map<String, Object>> rows(String kind, List<StateFilter> filters, int limit, boolean detail) {
    StateFilter.checkKeys(filters, keysOf(kind), kind);
    if (kind.equals("tasks")) {
      GetTasksReply r = tasks(filters, limit, detail, false);
      List<Map<String, Object>> out = new ArrayList<>();
      r.getTasksList().forEach(t -> out.add(StateRows.task(t, detail)));
      if (r.getMatched() > out.size()) {
        warnings.add("showing the " + out.size() + " most recent of " + r.getMatched() + " matching tasks (--limit N"
            + " for more)");
      }
      return out;
    }
    List<Map<String, Object>> all = switch (kind) {
      case "nodes" -> map(nodes(), StateRows::node);
      case "jobs" -> map(ask(GcsClient::allJobs), StateRows::job);
      case "actors" -> map(ask(g -> g.allActors(null)), StateRows::actor);
      case "workers" -> workers();
      case "objects" -> objects();
      default -> throw new IllegalArgumentException("cannot list '" + kind + "'; kinds: " + String.join(", ", KINDS));
    };
    List<Map<String, Object>> out = new ArrayList<>();
    int matched = 0;
    for (Map<String, Object> row : all) {
      if (StateFilter.all(filters, row, StateRows::field)) {
        if (++matched <= limit) {
          out.add(row);
        }
      }
    }
    if (matched > out.size()) {
      warnings.add("showing " + out.size() + " of " + matched + " matching " + kind + " (--limit N for more)");
    }
    return out;
  }

  /** GCS's task query; drops of the store or of the workers' buffers become warnings. */
  GetTasksReply tasks(List<StateFilter> filters, int limit, boolean detail, boolean countsOnly) {
    GetTasksRequest.Builder b = GetTasksRequest.newBuilder().setLimit(limit).setDetail(detail).setCountsOnly(countsOnly);
    filters.forEach(f -> b.addFilters(f.toProto()));
    GetTasksReply r = ask(g -> g.tasks(b.build()));
    warnings.addAll(io.jray.common.state.TaskDropWarnings.of(r));
    return r;
  }

  private static <T> List<Map<String, Object>> map(List<T> items, Function<T, Map<String, Object>> row) {
    List<Map<String, Object>> out = new ArrayList<>(items.size());
    items.forEach(i -> out.add(row.apply(i)));
    return out;
  }

  /** One alive node's stats, asked of its raylet. */
  record NodeStats(NodeInfo node, GetNodeStatsReply stats) {}

  /** Every alive node's raylet stats; nodes that did not answer are warnings. */
  List<NodeStats> nodeStats() {
    List<NodeInfo> alive = nodes().stream().filter(n -> n.getState() == NodeInfo.State.ALIVE).toList();
    List<Future<GetNodeStatsReply>> asked = new ArrayList<>();
    for (NodeInfo n : alive) {
      asked.add(peers.submit(() -> call(n.getHost(), n.getRayletPort(), ch -> NodeManagerServiceGrpc
          .newBlockingStub(ch).withDeadlineAfter(PEER_TIMEOUT_S, TimeUnit.SECONDS)
          .getNodeStats(GetNodeStatsRequest.getDefaultInstance()))));
    }
    List<NodeStats> out = new ArrayList<>();
    for (int i = 0; i < alive.size(); i++) {
      NodeInfo n = alive.get(i);
      try {
        out.add(new NodeStats(n, asked.get(i).get()));
      } catch (Exception e) {
        warnings.add("node " + StateRows.hex(n.getNodeId()) + " (raylet " + n.getHost() + ":" + n.getRayletPort()
            + ") did not answer: " + cause(e) + "; its workers are missing");
      }
    }
    return out;
  }

  private List<Map<String, Object>> workers() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (NodeStats s : nodeStats()) {
      s.stats().getWorkersList().forEach(w -> out.add(StateRows.worker(w, s.node())));
    }
    return out;
  }

  /** Every object every reachable driver and worker owns. */
  List<Map<String, Object>> objects() {
    record Owner(NodeInfo node, WorkerStats worker, Future<ListObjectsReply> reply) {}
    List<Owner> owners = new ArrayList<>();
    for (NodeStats s : nodeStats()) {
      for (WorkerStats w : s.stats().getWorkersList()) {
        if (w.getPort() <= 0 || w.getState().equals("STARTING")) {
          continue; // not serving yet: owns nothing
        }
        owners.add(new Owner(s.node(), w, peers.submit(() -> call(s.node().getHost(), w.getPort(),
            ch -> OwnerStateServiceGrpc.newBlockingStub(ch).withDeadlineAfter(PEER_TIMEOUT_S, TimeUnit.SECONDS)
                .listObjects(ListObjectsRequest.getDefaultInstance())))));
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Owner o : owners) {
      try {
        ListObjectsReply r = o.reply().get();
        r.getObjectsList().forEach(obj -> out.add(StateRows.object(obj, r.getOwner(), r.getJobId())));
        if (r.getTotal() > r.getObjectsCount()) {
          warnings.add("worker " + StateRows.hex(o.worker().getWorkerId()) + " owns " + r.getTotal()
              + " objects; only the first " + r.getObjectsCount() + " are listed");
        }
      } catch (Exception e) {
        warnings.add(o.worker().getState().toLowerCase() + " " + StateRows.hex(o.worker().getWorkerId()) + " on node "
            + StateRows.hex(o.node().getNodeId()) + " did not answer: " + cause(e) + "; its objects are missing");
      }
    }
    return out;
  }

  /** A call on a channel of its own to {@code host:port}, closed after. */
  <T> T call(String host, int port, Function<ManagedChannel, T> body) {
    ManagedChannel ch = Rpc.channel(host, port, target.token());
    try {
      return body.apply(ch);
    } finally {
      ch.shutdownNow();
    }
  }

  static String cause(Exception e) {
    Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
    return c.getMessage();
  }

  /** Prints the warnings on stderr, so a partial answer says so. */
  void printWarnings() {
    for (String w : warnings) {
      System.err.println("warning: " + w);
    }
  }

  @Override
  public void close() {
    peers.shutdownNow();
    client.close();
  }
}
