package io.jray.raylet;

import io.jray.common.proto.ProtoIds;
import io.jray.api.NodeId;
import io.jray.proto.NodeInfo;
import io.jray.proto.ResourceReport;
import java.util.HashMap;
import java.util.Map;

/**
 * This raylet's picture of the cluster: every node GCS told it about (alive or dead), with the
 * resources it last reported. Its own node comes from the lease scheduler itself, always fresh.
 * State of the raylet loop.
 */
final class ClusterView {
  private final NodeId self;
  private final Map<NodeId, NodeView> nodes = new HashMap<>();
  /** Raylet addresses of alive nodes, read by the store loop for pulls (hence concurrent). */
  private final java.util.concurrent.ConcurrentHashMap<NodeId, io.jray.proto.Address> addresses =
      new java.util.concurrent.ConcurrentHashMap<>();

  ClusterView(NodeId self) {
    this.self = self;
  }

  void node(NodeInfo n) {
    NodeId id = ProtoIds.nodeId(n.getNodeId());
    if (id.equals(self)) {
      return;
    }
    NodeView old = nodes.get(id);
    ResourceSet total = ResourceSet.of(n.getTotalResourcesMap());
    ResourceSet available = old != null ? old.available() : total.copy();
    nodes.put(id, new NodeView(id, n.getHost(), n.getRayletPort(), total, available,
        n.getState() == NodeInfo.State.ALIVE));
    if (n.getState() == NodeInfo.State.ALIVE) {
      addresses.put(id, io.jray.proto.Address.newBuilder().setHost(n.getHost()).setPort(n.getRayletPort())
          .setNodeId(n.getNodeId()).build());
    } else {
      addresses.remove(id);
    }
  }

  void report(ResourceReport r) {
    NodeId id = ProtoIds.nodeId(r.getNodeId());
    NodeView old = nodes.get(id);
    if (id.equals(self) || old == null) {
      return; // unknown nodes arrive with their NodeInfo first
    }
    nodes.put(id, new NodeView(id, old.host(), old.port(), ResourceSet.of(r.getTotalMap()),
        ResourceSet.of(r.getAvailableMap()), old.alive()));
  }

  /**
   * Counts a request sent to another node against that node until its next report, so a burst of
   * spillbacks does not all go to the node that looked idlest.
   */
  void reserve(NodeId id, ResourceSet request) {
    NodeView v = nodes.get(id);
    if (v == null) {
      return;
    }
    ResourceSet left = v.available().copy();
    left.subtract(request);
    nodes.put(id, new NodeView(id, v.host(), v.port(), v.total(), left, v.alive()));
  }

  /** Every node, this one with its current resources. A copy the caller may adjust. */
  Map<NodeId, NodeView> snapshot(String selfHost, int selfPort, ResourceSet total, ResourceSet available) {
    Map<NodeId, NodeView> m = new HashMap<>(nodes);
    m.put(self, new NodeView(self, selfHost, selfPort, total, available.copy(), true));
    return m;
  }

  /** The raylet of an alive node, or null. Any thread. */
  io.jray.proto.Address address(NodeId id) {
    return addresses.get(id);
  }

}
