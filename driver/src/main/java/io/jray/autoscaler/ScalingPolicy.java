package io.jray.autoscaler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The autoscaler's decisions, as pure logic (Ray v1's {@code resource_demand_scheduler}): nodes
 * idle past the timeout go (never the head or a node it did not start, never below a type's
 * minimum); types below their minimum get nodes; then the demand is bin-packed, largest shape
 * first, onto what registered nodes have free and what pending launches will bring, and what is
 * left onto new nodes of the type that it uses best, within each type's and the cluster's
 * maximum; launches of a type at once are limited by {@code upscalingSpeed} as in Ray.
 * Stateless: the caller passes what the cluster looks like now.
 */
public final class ScalingPolicy {
  /** Ray's {@code UPSCALING_INITIAL_NUM_NODES}: a type may always have this many launches pending. */
  static final int UPSCALING_INITIAL_NUM_NODES = 5;
  /** Ray's demand vector cap: beyond this many tasks of a shape, more of them changes no decision. */
  static final int MAX_DEMAND_PER_SHAPE = 1000;

  private final AutoscalingConfig config;

  public ScalingPolicy(AutoscalingConfig config) {
    this.config = config;
  }

  /**
   * @param nodes registered alive nodes, without those being terminated
   * @param pending launches per type that have not registered yet
   * @param demand the queued demand by shape over all raylets
   */
  public ScalingPlan decide(List<ClusterNode> nodes, Map<String, Integer> pending, List<Demand> demand) {
    List<String> decisions = new ArrayList<>();
    Map<String, Integer> running = new HashMap<>();
    for (ClusterNode n : nodes) {
      if (n.type() != null) {
        running.merge(n.type(), 1, Integer::sum);
      }
    }
    List<ScalingPlan.Termination> terminations = idleTerminations(nodes, running, decisions);
    List<String> leaving = terminations.stream().map(ScalingPlan.Termination::nodeId).toList();

    // what there is to pack onto: free resources of the nodes that stay, and pending nodes in full
    List<Map<String, Double>> bins = new ArrayList<>();
    for (ClusterNode n : nodes) {
      if (!leaving.contains(n.nodeId())) {
        bins.add(new HashMap<>(n.available()));
      }
    }
    pending.forEach((type, count) -> {
      NodeType t = config.nodeTypes().get(type);
      for (int i = 0; t != null && i < count; i++) {
        bins.add(new HashMap<>(t.resources()));
      }
    });
    Map<String, Integer> launches = new LinkedHashMap<>();
    Map<String, List<String>> why = new LinkedHashMap<>();
    for (NodeType t : config.nodeTypes().values()) {
      int have = running.getOrDefault(t.name(), 0) + pending.getOrDefault(t.name(), 0);
      if (have < t.minWorkers()) {
        launches.merge(t.name(), t.minWorkers() - have, Integer::sum);
        why.computeIfAbsent(t.name(), k -> new ArrayList<>()).add("minWorkers " + t.minWorkers() + " (has " + have
            + ")");
        for (int i = have; i < t.minWorkers(); i++) {
          bins.add(new HashMap<>(t.resources()));
        }
      }
    }

    // one entry per task, largest shape first: first-fit decreasing onto the bins
    List<ResourceShape> shapes = demand.stream().map(d -> new ResourceShape(d.shape())).toList();
    List<Integer> units = new ArrayList<>();
    for (int i = 0; i < demand.size(); i++) {
      for (int k = 0; k < Math.min(demand.get(i).count(), MAX_DEMAND_PER_SHAPE); k++) {
        units.add(i);
      }
    }
    units.sort(Comparator.comparingDouble((Integer i) -> -shapes.get(i).size()).thenComparing(i -> i));
    int[] fitExisting = new int[demand.size()];
    List<Integer> residual = new ArrayList<>();
    for (int u : units) {
      Map<String, Double> bin = firstFit(shapes.get(u), bins);
      if (bin != null) {
        shapes.get(u).takeFrom(bin);
        fitExisting[u]++;
      } else {
        residual.add(u);
      }
    }

    // new nodes for what is left: each time the type the remaining demand uses best
    List<Map<String, Integer>> onNew = new ArrayList<>();
    for (int i = 0; i < demand.size(); i++) {
      onNew.add(new TreeMap<>());
    }
    while (!residual.isEmpty()) {
      NodeType best = null;
      List<Integer> bestFitted = List.of();
      double[] bestScore = null;
      for (NodeType t : config.nodeTypes().values()) {
        if (!roomFor(t, running, pending, launches)) {
          continue;
        }
        Map<String, Double> bin = new HashMap<>(t.resources());
        List<Integer> fitted = new ArrayList<>();
        for (int u : residual) {
          if (shapes.get(u).fitsIn(bin)) {
            shapes.get(u).takeFrom(bin);
            fitted.add(u);
          }
        }
        if (fitted.isEmpty()) {
          continue;
        }
        double[] score = score(t, bin, fitted, shapes);
        if (bestScore == null || compare(score, bestScore) > 0) {
          best = t;
          bestFitted = fitted;
          bestScore = score;
        }
      }
      if (best == null) {
        break;
      }
      launches.merge(best.name(), 1, Integer::sum);
      for (int u : bestFitted) {
        onNew.get(u).merge(best.name(), 1, Integer::sum);
      }
      List<Integer> fittedNow = bestFitted;
      List<Integer> left = new ArrayList<>(residual.size());
      int[] taken = new int[demand.size()];
      fittedNow.forEach(u -> taken[u]++);
      for (int u : residual) {
        if (taken[u] > 0) {
          taken[u]--;
        } else {
          left.add(u);
        }
      }
      residual = left;
    }
    for (int i = 0; i < demand.size(); i++) {
      for (String type : onNew.get(i).keySet()) {
        why.computeIfAbsent(type, k -> new ArrayList<>()).add("demand " + demand.get(i)
            + " that the nodes there are and the launches pending cannot take");
      }
    }
    limitByUpscalingSpeed(launches, running, pending, decisions);
    for (var e : launches.entrySet()) {
      NodeType t = config.nodeTypes().get(e.getKey());
      if (e.getValue() == 0) {
        continue;
      }
      decisions.add("launch " + e.getValue() + " x " + t.name() + " " + new ResourceShape(t.resources())
          + " (running " + running.getOrDefault(t.name(), 0) + ", pending " + pending.getOrDefault(t.name(), 0)
          + ", max " + t.maxWorkers() + ") for " + String.join("; ", why.getOrDefault(t.name(), List.of())));
    }
    launches.values().removeIf(n -> n == 0);
    return new ScalingPlan(launches, terminations, outcomes(demand, shapes, fitExisting, onNew, residual, nodes,
        running, pending, launches, decisions), decisions);
  }

  private List<ScalingPlan.Termination> idleTerminations(List<ClusterNode> nodes, Map<String, Integer> running,
      List<String> decisions) {
    List<ScalingPlan.Termination> out = new ArrayList<>();
    Map<String, Integer> left = new HashMap<>(running);
    List<ClusterNode> idle = nodes.stream().filter(n -> !n.head() && n.type() != null
        && config.nodeTypes().containsKey(n.type()) && n.idleForMs() >= config.idleTimeoutMs())
        .sorted(Comparator.comparingLong(ClusterNode::idleForMs).reversed()).toList();
    for (ClusterNode n : idle) {
      NodeType t = config.nodeTypes().get(n.type());
      if (left.get(n.type()) <= t.minWorkers()) {
        continue;
      }
      left.merge(n.type(), -1, Integer::sum);
      String reason = "idle " + n.idleForMs() / 1000 + " s >= idleTimeoutSeconds " + fmt(config.idleTimeoutSeconds())
          + " (" + t.name() + " running " + running.get(n.type()) + ", minWorkers " + t.minWorkers() + ")";
      out.add(new ScalingPlan.Termination(n.nodeId(), n.type(), reason));
      decisions.add("terminate node " + n.nodeId() + " (" + n.type() + "): " + reason);
    }
    return out;
  }

  private boolean roomFor(NodeType t, Map<String, Integer> running, Map<String, Integer> pending,
      Map<String, Integer> launches) {
    int ofType = running.getOrDefault(t.name(), 0) + pending.getOrDefault(t.name(), 0)
        + launches.getOrDefault(t.name(), 0);
    int all = 0;
    for (NodeType o : config.nodeTypes().values()) {
      all += running.getOrDefault(o.name(), 0) + pending.getOrDefault(o.name(), 0) + launches.getOrDefault(o.name(), 0);
    }
    return ofType < t.maxWorkers() && all < config.maxWorkers();
  }

  /**
   * Ray's utilization score: first how many of the type's resource kinds the packed tasks use, then
   * the lowest and the mean fraction used over the type's resources (so a plain CPU demand is not
   * put on a node whose accelerator would sit idle).
   */
  private static double[] score(NodeType t, Map<String, Double> left, List<Integer> fitted, List<ResourceShape> shapes) {
    double kindsUsed = 0;
    double min = Double.MAX_VALUE;
    double sum = 0;
    int n = 0;
    for (var e : t.resources().entrySet()) {
      if (e.getValue() <= 0) {
        continue;
      }
      double used = (e.getValue() - left.get(e.getKey())) / e.getValue();
      if (fitted.stream().anyMatch(u -> shapes.get(u).amounts().getOrDefault(e.getKey(), 0.0) > 0)) {
        kindsUsed++;
      }
      min = Math.min(min, used);
      sum += used;
      n++;
    }
    return new double[] {kindsUsed, n == 0 ? 0 : min, n == 0 ? 0 : sum / n};
  }

  private static int compare(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      int c = Double.compare(a[i], b[i]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /**
   * Ray's rule: launches pending for a type may reach {@code upscalingSpeed} times its running
   * nodes (at least {@link #UPSCALING_INITIAL_NUM_NODES}); the rest waits for a later round.
   */
  private void limitByUpscalingSpeed(Map<String, Integer> launches, Map<String, Integer> running,
      Map<String, Integer> pending, List<String> decisions) {
    for (var e : launches.entrySet()) {
      int r = running.getOrDefault(e.getKey(), 0);
      int allowedPending = Math.max(UPSCALING_INITIAL_NUM_NODES, (int) (config.upscalingSpeed() * Math.max(r, 1)));
      int allowed = Math.max(0, allowedPending - pending.getOrDefault(e.getKey(), 0));
      if (e.getValue() > allowed) {
        decisions.add("hold back " + (e.getValue() - allowed) + " x " + e.getKey() + " for now: upscalingSpeed "
            + fmt(config.upscalingSpeed()) + " with " + r + " running allows " + allowedPending + " pending launches ("
            + pending.getOrDefault(e.getKey(), 0) + " pending)");
        e.setValue(allowed);
      }
    }
  }

  private List<ScalingPlan.Outcome> outcomes(List<Demand> demand, List<ResourceShape> shapes, int[] fitExisting,
      List<Map<String, Integer>> onNew, List<Integer> residual, List<ClusterNode> nodes, Map<String, Integer> running,
      Map<String, Integer> pending, Map<String, Integer> launches, List<String> decisions) {
    int[] unmet = new int[demand.size()];
    residual.forEach(u -> unmet[u]++);
    List<ScalingPlan.Outcome> out = new ArrayList<>();
    for (int i = 0; i < demand.size(); i++) {
      List<String> parts = new ArrayList<>();
      if (fitExisting[i] > 0) {
        parts.add(fitExisting[i] + " fit the nodes there are and the launches pending");
      }
      onNew.get(i).forEach((type, n) -> parts.add(n + " on new " + type + " nodes"));
      boolean infeasible = false;
      if (unmet[i] > 0) {
        ResourceShape s = shapes.get(i);
        List<String> fitting = config.nodeTypes().values().stream().filter(t -> s.fitsIn(t.resources()))
            .map(NodeType::name).toList();
        boolean fitsANode = nodes.stream().anyMatch(n -> s.fitsIn(n.total()));
        String why;
        if (!fitting.isEmpty()) {
          why = "wait: " + String.join(", ", fitting) + " at maxWorkers (or the cluster's maxWorkers "
              + (config.maxWorkers() == Integer.MAX_VALUE ? "unset" : config.maxWorkers()) + ")";
        } else if (fitsANode) {
          why = "wait for the nodes there are to free up (no node type offers this shape)";
        } else {
          infeasible = true;
          why = "infeasible: no node type offers this shape (types: " + typeList() + "); launching nothing";
        }
        parts.add(unmet[i] + " " + why);
        decisions.add((infeasible ? "" : "cannot launch for ") + "demand " + demand.get(i) + ": " + unmet[i] + " "
            + why);
      }
      if (demand.get(i).count() > MAX_DEMAND_PER_SHAPE) {
        parts.add("only the first " + MAX_DEMAND_PER_SHAPE + " counted");
      }
      out.add(new ScalingPlan.Outcome(demand.get(i), String.join("; ", parts), infeasible));
    }
    return out;
  }

  private String typeList() {
    List<String> out = new ArrayList<>();
    config.nodeTypes().values().forEach(t -> out.add(t.name() + " " + new ResourceShape(t.resources())));
    return String.join(", ", out);
  }

  private static Map<String, Double> firstFit(ResourceShape s, List<Map<String, Double>> bins) {
    for (Map<String, Double> b : bins) {
      if (s.fitsIn(b)) {
        return b;
      }
    }
    return null;
  }

  static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
