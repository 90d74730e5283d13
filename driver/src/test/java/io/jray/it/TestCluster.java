package io.jray.it;

import io.grpc.ManagedChannel;
import io.jray.api.JRay;
import io.jray.common.grpc.Rpc;
import io.jray.common.process.ClusterLauncher;
import io.jray.proto.GetNodeStatsReply;
import io.jray.proto.GetNodeStatsRequest;
import io.jray.proto.NodeManagerServiceGrpc;
import io.jray.common.config.JRayConfig;
import io.jray.common.process.LocalCluster;
import io.jray.common.process.NodeOptions;
import java.nio.file.Path;

/**
 * A real cluster for one test class: GCS and raylet JVMs started by the same launcher the CLI
 * uses, and this JVM connected as the driver. Sessions go under {@code jray.session.root}
 * (target/jray-sessions in the build), so their logs stay for a look after a failure.
 */
final class TestCluster implements AutoCloseable {
  final LocalCluster cluster;

  private TestCluster(LocalCluster cluster) {
    this.cluster = cluster;
  }

  static TestCluster start(NodeOptions head) {
    LocalCluster c = LocalCluster.start(Path.of(JRayConfig.get(JRayConfig.SESSION_ROOT)), 0, head, false);
    return new TestCluster(c);
  }

  /**
   * A cluster whose workers get {@code workerHeap} (large objects need more than the default),
   * with {@code others} added after the head, and this JVM connected as its driver.
   */
  static TestCluster startConnected(String workerHeap, NodeOptions head, NodeOptions... others) {
    System.setProperty("jray.worker.heap", workerHeap);
    TestCluster c;
    try {
      c = start(head);
      for (NodeOptions o : others) {
        c.cluster.addNode(o);
      }
    } finally {
      System.clearProperty("jray.worker.heap");
    }
    return c.connect();
  }

  /** The raylet started {@code i}-th (0 is the head's). */
  ClusterLauncher.Started raylet(int i) {
    return cluster.raylets().get(i);
  }

  /** The node id (hex) of a raylet this cluster started. */
  static String nodeHex(ClusterLauncher.Started raylet) {
    return raylet.ready().get("node_id");
  }

  /** Only on that raylet's node. */
  static io.jray.api.SchedulingStrategy on(ClusterLauncher.Started raylet) {
    return io.jray.api.SchedulingStrategy.nodeAffinity(io.jray.api.NodeId.fromHex(nodeHex(raylet)), false);
  }

  /** Preferably on that raylet's node; elsewhere once it is gone (so a re-execution has somewhere to run). */
  static io.jray.api.SchedulingStrategy near(ClusterLauncher.Started raylet) {
    return io.jray.api.SchedulingStrategy.nodeAffinity(io.jray.api.NodeId.fromHex(nodeHex(raylet)), true);
  }

  /** Connects this JVM as a driver. */
  TestCluster connect() {
    System.setProperty(JRayConfig.AUTH_TOKEN.propertyName(), cluster.token());
    JRay.init(cluster.gcsAddress());
    return this;
  }

  /** What a raylet reports about itself (resources, workers, store), asked over real gRPC. */
  GetNodeStatsReply nodeStats(ClusterLauncher.Started raylet) {
    ManagedChannel ch = Rpc.channel("127.0.0.1", raylet.port(), cluster.token());
    try {
      return NodeManagerServiceGrpc.newBlockingStub(ch).getNodeStats(GetNodeStatsRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow();
    }
  }

  /** The head raylet's report. */
  GetNodeStatsReply nodeStats() {
    return nodeStats(cluster.raylets().get(0));
  }

  @Override
  public void close() {
    try {
      JRay.shutdown();
    } finally {
      cluster.stop();
      System.clearProperty(JRayConfig.AUTH_TOKEN.propertyName());
    }
  }
}
