package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.jray.api.NodeId;
import io.jray.common.gcs.GcsClient;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.proto.NodeInfo;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A raylet killed with kill -9 is marked DEAD by GCS health checks within the configured time. */
class NodeDeathIT {
  // 200 ms period x 5 misses (+ 500 ms probe timeout): detection in about 1.5 s.
  private static final long PERIOD_MS = 200;
  private static final int THRESHOLD = 5;
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(NodeOptions.defaults().withCpus(1))
      .property("jray.health-check.period-ms", Long.toString(PERIOD_MS)).property("jray.health-check.timeout-ms", "500")
      .property("jray.health-check.failure-threshold", Integer.toString(THRESHOLD));

  @Test
  void killedRayletIsMarkedDeadAndStatusShowsIt() throws Exception {
    ClusterLauncher.Started second = cluster.addNode(NodeOptions.defaults().withCpus(1));
    ByteString nodeId = ByteString.copyFrom(NodeId.fromHex(second.ready().get("node_id")).bytes());
    try (GcsClient gcs = new GcsClient(cluster.gcsAddress(), cluster.token())) {
      assertThat(state(gcs, nodeId)).isEqualTo(NodeInfo.State.ALIVE);
      new ProcessBuilder("kill", "-9", Long.toString(second.pid())).start().waitFor();
      long killedAt = System.nanoTime();
      // detection bound: threshold x (period + probe timeout), plus scheduling slack on 2 cores
      Duration bound = Duration.ofMillis(THRESHOLD * (PERIOD_MS + 500) + 5_000);
      await().atMost(bound).pollInterval(Duration.ofMillis(50))
          .until(() -> state(gcs, nodeId) == NodeInfo.State.DEAD);
      System.out.printf("node marked DEAD %.2f s after kill -9%n", (System.nanoTime() - killedAt) / 1e9);
      NodeInfo dead = gcs.allNodes().stream()
          .filter(n -> n.getNodeId().equals(nodeId)).findFirst().orElseThrow();
      assertThat(dead.getDeathReason()).contains("health checks");
      // the head node is still alive
      assertThat(gcs.allNodes())
          .filteredOn(n -> n.getState() == NodeInfo.State.ALIVE).hasSize(1);
    }
    System.setProperty("jray.auth.token", cluster.token());
    try {
      String status = CliRunner.inProcess("status", "--address", cluster.gcsAddress());
      assertThat(status).contains("1 alive, 1 dead").contains(second.ready().get("node_id") + "  DEAD");
    } finally {
      System.clearProperty("jray.auth.token");
    }
  }

  private static NodeInfo.State state(GcsClient gcs, ByteString id) {
    return gcs.allNodes().stream()
        .filter(n -> n.getNodeId().equals(id)).findFirst().map(NodeInfo::getState).orElse(null);
  }
}
