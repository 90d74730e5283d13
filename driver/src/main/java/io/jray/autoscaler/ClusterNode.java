package io.jray.autoscaler;

import java.util.Map;

/**
 * A registered node as the policy sees it. {@code type} is the node type the autoscaler launched
 * it as, null for the head and nodes it did not start (it never terminates those);
 * {@code idleForMs} is how long it has had nothing leased and nothing queued (0: busy).
 */
public record ClusterNode(String nodeId, String type, boolean head, Map<String, Double> total,
    Map<String, Double> available, long idleForMs) {
  public ClusterNode {
    total = Map.copyOf(total);
    available = Map.copyOf(available);
  }
}
