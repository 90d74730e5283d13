package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jray.api.NodeId;
import io.jray.common.gcs.GcsClient;
import io.jray.common.gcs.NodeDeclaredDead;
import io.jray.common.proto.ProtoIds;
import io.jray.proto.NodeInfo;
import io.jray.proto.ResourceReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node GCS declared DEAD is fenced: its re-registration under the same id and its resource
 * reports are refused with FAILED_PRECONDITION and the trailer that tells a raylet to exit, and
 * the refusal changes nothing (the node stays DEAD, with its first death reason). A real GCS on
 * gRPC and RocksDB in this JVM.
 */
@Timeout(60)
class NodeFencingTest {
  private static final String TOKEN = "test-token";
  @TempDir
  Path dir;
  private GcsServer gcs;

  @AfterEach
  void stop() throws Exception {
    if (gcs != null) {
      gcs.close();
    }
  }

  @Test
  void aNodeDeclaredDeadIsRefusedWithAStatusThatSaysSo() throws Exception {
    gcs = GcsServer.start("127.0.0.1", 0, dir, TOKEN, new GcsServer.Settings(600_000, 1_000, 5, 1 << 20, 100));
    try (GcsClient client = new GcsClient("127.0.0.1:" + gcs.port(), TOKEN)
        .withReconnectTimeout(Duration.ZERO)) {
      NodeId id = NodeId.random();
      NodeInfo node = NodeInfo.newBuilder().setNodeId(ProtoIds.bytes(id)).setHost("127.0.0.1").setRayletPort(1)
          .putTotalResources("CPU", 1.0).build();
      client.registerNode(node);
      ResourceReport report = ResourceReport.newBuilder().setNodeId(ProtoIds.bytes(id)).putTotal("CPU", 1.0)
          .putAvailable("CPU", 1.0).build();
      client.reportResources(report).get(10, TimeUnit.SECONDS); // alive: taken
      client.unregisterNode(id, "cut off");

      assertThatThrownBy(() -> client.registerNode(node)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
        assertThat(NodeDeclaredDead.is(e)).isTrue();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(e.getStatus().getDescription()).contains("node " + id.hex() + " was declared dead at")
            .contains("(cut off)").contains("must exit");
      });
      assertThatThrownBy(() -> client.reportResources(report).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .satisfies(e -> assertThat(NodeDeclaredDead.is(e.getCause())).as("%s", e.getCause()).isTrue());
      NodeInfo after = client.allNodes().get(0);
      assertThat(after.getState()).isEqualTo(NodeInfo.State.DEAD);
      assertThat(after.getDeathReason()).isEqualTo("cut off");

      // other refusals, and no failure at all (a report's whenComplete), are not mistaken for fencing
      assertThat(NodeDeclaredDead.is(null)).isFalse();
      assertThatThrownBy(() -> client.registerNode(NodeInfo.getDefaultInstance()))
          .satisfies(e -> assertThat(NodeDeclaredDead.is(e)).isFalse());
    }
  }
}
