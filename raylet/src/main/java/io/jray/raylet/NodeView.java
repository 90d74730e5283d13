package io.jray.raylet;

import io.jray.api.NodeId;

/** What a raylet knows of one node of the cluster (itself included): where, how big, how free. */
record NodeView(NodeId id, String host, int port, ResourceSet total, ResourceSet available, boolean alive) {
  /** The most used resource's share in use, 0..1: the hybrid policy's load score. */
  double criticalUtilization() {
    double worst = 0;
    for (var e : total.toMap().entrySet()) {
      if (e.getValue() > 0) {
        worst = Math.max(worst, 1.0 - available.get(e.getKey()) / e.getValue());
      }
    }
    return worst;
  }
}
