package io.jray.raylet;

import io.jray.api.NodeId;
import io.jray.common.session.SessionDir;

/**
 * What every part of a raylet needs to know about the node it runs on. The port is set once the
 * gRPC server is bound, before any worker is started (workers are told the raylet's address).
 */
final class NodeContext {
  private final NodeId nodeId;
  private final String host;
  private final String gcsAddress;
  private final String token;
  private final SessionDir session;
  private final double numCpus;
  private volatile int port;

  NodeContext(NodeId nodeId, String host, String gcsAddress, String token, SessionDir session, double numCpus) {
    this.nodeId = nodeId;
    this.host = host;
    this.gcsAddress = gcsAddress;
    this.token = token;
    this.session = session;
    this.numCpus = numCpus;
  }

  NodeId nodeId() {
    return nodeId;
  }

  String host() {
    return host;
  }

  String gcsAddress() {
    return gcsAddress;
  }

  String token() {
    return token;
  }

  SessionDir session() {
    return session;
  }

  double numCpus() {
    return numCpus;
  }

  int port() {
    return port;
  }

  void bound(int port) {
    this.port = port;
  }

  String rayletAddress() {
    return host + ":" + port;
  }
}
