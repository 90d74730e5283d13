package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import io.jray.api.NodeId;
import io.jray.proto.SchedulingStrategySpec;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Where a lease request should run (DESIGN §4 step 2; Ray's hybrid, spread and node-affinity
 * policies). Pure logic over a snapshot of the cluster view, so it is tested without processes.
 *
 * <ul>
 *   <li>DEFAULT (hybrid): stay local while the local node's most used resource is below the
 *       spread threshold (0.5) and the request fits now; otherwise the least loaded node that
 *       fits now (the local one wins ties); if none fits now, wait locally when the local node
 *       could ever run it, else spill to the least loaded node that could.
 *   <li>SPREAD: round-robin over nodes (by id) that fit now, else over nodes that could.
 *   <li>NODE_AFFINITY: that node if alive and big enough; else hybrid (soft) or unschedulable (hard).
 * </ul>
 * A request no alive node could ever fit is infeasible: it waits until a node that fits joins.
 */
final class SchedulingPolicy {
  /** The outcome: run here, go to another node, wait, or give up. */
  sealed interface Decision {}

  /** Queue on the local node (granted when resources free up). */
  record Local() implements Decision {}

  /** Ask that node's raylet instead. */
  record Spill(NodeView node) implements Decision {}

  /** No alive node can ever run it: stays pending until one joins. */
  record Infeasible(String why) implements Decision {}

  /** A hard node-affinity request whose node is dead or too small: fails. */
  record Unschedulable(String why) implements Decision {}

  private final double spreadThreshold;
  private int spreadCursor;

  SchedulingPolicy(double spreadThreshold) {
    this.spreadThreshold = spreadThreshold;
  }

  Decision decide(ResourceSet request, SchedulingStrategySpec strategy, NodeId local, Map<NodeId, NodeView> nodes) {
    List<NodeView> feasible = nodes.values().stream().filter(NodeView::alive)
        .filter(n -> request.fitsIn(n.total())).sorted(Comparator.comparing(n -> n.id().hex())).toList();
    switch (strategy.getKind()) {
      case NODE_AFFINITY -> {
        NodeId target = ProtoIds.nodeId(strategy.getNodeId());
        NodeView t = nodes.get(target);
        if (t != null && t.alive() && request.fitsIn(t.total())) {
          return target.equals(local) ? new Local() : new Spill(t);
        }
        String why = t == null ? "node " + target + " is not in the cluster"
            : !t.alive() ? "node " + target + " is dead"
            : "node " + target + " has " + t.total() + ", less than the " + request + " the task needs";
        if (!strategy.getSoft()) {
          return new Unschedulable("hard node affinity cannot be met: " + why);
        }
        return hybrid(request, local, nodes, feasible);
      }
      case SPREAD -> {
        if (feasible.isEmpty()) {
          return infeasible(request);
        }
        List<NodeView> now = feasible.stream().filter(n -> request.fitsIn(n.available())).toList();
        List<NodeView> pool = now.isEmpty() ? feasible : now;
        NodeView pick = pool.get(Math.floorMod(spreadCursor++, pool.size()));
        return pick.id().equals(local) ? new Local() : new Spill(pick);
      }
      default -> {
        return hybrid(request, local, nodes, feasible);
      }
    }
  }

  private Decision hybrid(ResourceSet request, NodeId local, Map<NodeId, NodeView> nodes, List<NodeView> feasible) {
    if (feasible.isEmpty()) {
      return infeasible(request);
    }
    NodeView here = nodes.get(local);
    boolean localFeasible = here != null && here.alive() && request.fitsIn(here.total());
    if (localFeasible && request.fitsIn(here.available()) && here.criticalUtilization() < spreadThreshold) {
      return new Local();
    }
    Comparator<NodeView> byLoad = Comparator.comparingDouble(NodeView::criticalUtilization)
        .thenComparing(n -> !n.id().equals(local)).thenComparing(n -> n.id().hex());
    NodeView best = feasible.stream().filter(n -> request.fitsIn(n.available())).min(byLoad).orElse(null);
    if (best != null) {
      return best.id().equals(local) ? new Local() : new Spill(best);
    }
    if (localFeasible) {
      return new Local();
    }
    return new Spill(feasible.stream().min(byLoad).orElseThrow());
  }

  private static Infeasible infeasible(ResourceSet request) {
    return new Infeasible("no alive node has " + request + " in total");
  }
}
