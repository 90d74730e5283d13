package io.jray.autoscaler;

import java.util.List;
import java.util.Map;

/**
 * What one round decided: how many nodes of each type to launch, which nodes to terminate, and
 * what becomes of each demand shape; every decision with the reason and demand that drove it.
 */
public record ScalingPlan(Map<String, Integer> launches, List<Termination> terminations, List<Outcome> demand,
    List<String> decisions) {
  /** A node to stop and why. */
  public record Termination(String nodeId, String type, String reason) {}

  /** What happens to a demand shape: fits where it is, waits for launches, or cannot be met (and why). */
  public record Outcome(Demand demand, String outcome, boolean infeasible) {}

  public int launchCount() {
    return launches.values().stream().mapToInt(Integer::intValue).sum();
  }
}
