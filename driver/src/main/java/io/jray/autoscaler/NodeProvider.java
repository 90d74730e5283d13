package io.jray.autoscaler;

import io.jray.proto.NodeInfo;

/**
 * Starts and stops worker nodes for the autoscaler. Every method may block (processes, the Docker
 * CLI): the autoscaler calls them on virtual threads, never on its loop, and one node is only ever
 * handled by one call at a time.
 */
public interface NodeProvider {
  /** {@code local} or {@code docker}, for logs and status. */
  String name();

  /**
   * Starts a node of {@code type} under {@code name} (unique in this cluster) that joins the
   * cluster by itself; returns once the provider started it, before or after it registered.
   */
  ProvidedNode launch(NodeType type, String name) throws Exception;

  /** Stops the node and everything it runs; returns once it is gone (forcibly after a grace period). */
  void terminate(ProvidedNode node) throws Exception;

  /** Whether {@code info}, a node GCS knows, is {@code node}. */
  boolean isNode(ProvidedNode node, NodeInfo info);

  /** Stops every node this provider started for the cluster (jray down), including those of an autoscaler that is gone. */
  void terminateAll() throws Exception;
}
