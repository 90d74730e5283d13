package io.jray.cli;

import io.jray.common.state.JsonText;
import io.jray.common.state.StateFilter;
import io.jray.common.state.StateRows;
import io.jray.proto.GetTasksReply;
import io.jray.proto.NodeInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jray get task|actor|object|node ID}: one entity with every field: a task with its owner,
 * where it ran, its state history and error; an actor with its death cause; an object with its
 * size, locations and reference kinds (asked of the owners); a node with its raylet's live stats.
 * An id may be given by a unique prefix (except for tasks, which GCS looks up whole).
 */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Show one task, actor, object or node in detail.")
final class GetCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "KIND", description = "task, actor, object or node")
  String kind;

  @Parameters(index = "1", paramLabel = "ID", description = "its id in hex (as jray list shows it)")
  String id;

  @Option(names = "--address", paramLabel = "HOST:PORT", description = "GCS address (default: the latest local cluster)")
  String address;

  @Option(names = "--json", description = "one JSON object instead of key: value lines")
  boolean json;

  @Override
  public Integer call() {
    String want = id.toLowerCase();
    try (ClusterState state = new ClusterState(address)) {
      Map<String, Object> row = switch (kind) {
        case "task" -> task(state, want);
        case "actor" -> unique(state.rows("actors", List.of(), Integer.MAX_VALUE, true), "actor_id", want, "actor");
        case "object" -> unique(state.objects(), "object_id", want, "object");
        case "node" -> node(state, want);
        default -> throw new IllegalArgumentException("cannot get '" + kind + "'; kinds: task, actor, object, node");
      };
      if (json) {
        System.out.println(JsonText.of(row));
      } else {
        row.forEach((k, v) -> System.out.println(k + ": " + (v instanceof Map<?, ?> || v instanceof List<?>
            ? JsonText.of(v) : v)));
      }
      state.printWarnings();
    }
    return 0;
  }

  private static Map<String, Object> task(ClusterState state, String want) {
    GetTasksReply r = state.tasks(List.of(new StateFilter("task_id", want, false)), 1, true, false);
    if (r.getTasksCount() == 0) {
      throw new IllegalArgumentException("no task " + want + " in GCS's task store (it keeps the most recent "
          + r.getCapacity() + "; jray list tasks shows what it has)");
    }
    return StateRows.task(r.getTasks(0), true);
  }

  private static Map<String, Object> node(ClusterState state, String want) {
    List<NodeInfo> nodes = state.nodes();
    List<Map<String, Object>> rows = new ArrayList<>();
    nodes.forEach(n -> rows.add(StateRows.node(n)));
    Map<String, Object> row = new LinkedHashMap<>(unique(rows, "node_id", want, "node"));
    for (ClusterState.NodeStats s : state.nodeStats()) {
      if (StateRows.hex(s.node().getNodeId()).equals(row.get("node_id"))) {
        row.put("available_resources", new java.util.TreeMap<>(s.stats().getAvailableResourcesMap()));
        List<Object> workers = new ArrayList<>();
        s.stats().getWorkersList().forEach(w -> workers.add(StateRows.worker(w, s.node())));
        row.put("workers", workers);
        row.put("store_used", s.stats().getStore().getUsed());
        row.put("store_capacity", s.stats().getStore().getCapacity());
        row.put("store_spilled", s.stats().getStore().getSpilledBytes());
        row.put("leases_granted", s.stats().getLeasesGranted());
      }
    }
    return row;
  }

  /** The one row whose {@code key} starts with {@code prefix}; none or several is an error saying so. */
  static Map<String, Object> unique(List<Map<String, Object>> rows, String key, String prefix, String what) {
    List<Map<String, Object>> found = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      String v = String.valueOf(r.get(key));
      if (v.equals(prefix)) {
        return r;
      }
      if (!prefix.isEmpty() && v.startsWith(prefix)) {
        found.add(r);
      }
    }
    if (found.size() == 1) {
      return found.get(0);
    }
    throw new IllegalArgumentException(found.isEmpty() ? "no " + what + " " + prefix + " (jray list " + what
        + "s shows them)" : found.size() + " " + what + "s start with " + prefix + ": give more of the id");
  }
}
