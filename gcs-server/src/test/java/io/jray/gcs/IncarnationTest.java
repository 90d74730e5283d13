package io.jray.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.jray.proto.GcsInfo;
import io.jray.proto.NodeInfo;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real RocksDB: the incarnation counts starts of one storage, and the restart grace holds verdicts. */
class IncarnationTest {
  private static final NodeInfo NODE = NodeInfo.newBuilder().setNodeId(ByteString.copyFrom(new byte[16]))
      .setHost("127.0.0.1").setRayletPort(1).build();

  @Test
  void countsStartsAndHoldsVerdictsUntilTheNodesResyncOrTheGraceEnds(@TempDir Path dir) {
    AtomicLong now = new AtomicLong(1_000);
    try (GcsStorage s = new GcsStorage(dir, GcsStorage.Sync.ALWAYS)) {
      NodeTable nodes = new NodeTable(s, new Publisher(), (id, why) -> { });
      Incarnation first = new Incarnation(s, nodes, 5_000, now::get);
      assertThat(first.number()).isEqualTo(1);
      assertThat(first.holdsVerdicts()).as("a new storage has no node to wait for").isFalse();
      nodes.register(NODE);
    }
    now.set(2_000);
    try (GcsStorage s = new GcsStorage(dir, GcsStorage.Sync.NEVER)) {
      NodeTable nodes = new NodeTable(s, new Publisher(), (id, why) -> { });
      Incarnation second = new Incarnation(s, nodes, 5_000, now::get);
      GcsInfo info = second.info();
      assertThat(info.getIncarnation()).isEqualTo(2);
      assertThat(info.getFirstStartTimeMs()).isEqualTo(1_000);
      assertThat(info.getPreviousStartTimeMs()).isEqualTo(1_000);
      assertThat(info.getStartTimeMs()).isEqualTo(2_000);
      assertThat(info.getStorageSync()).isEqualTo("NEVER");
      assertThat(info.getNodesAwaited()).isEqualTo(1);
      assertThat(second.holdsVerdicts()).isTrue();
      second.resynced(nodes.get(NODE.getNodeId()));
      assertThat(second.holdsVerdicts()).as("every node resynced: the grace ends early").isFalse();
      assertThat(second.info().getNodesResynced()).isEqualTo(1);
    }
    now.set(3_000);
    try (GcsStorage s = new GcsStorage(dir)) {
      NodeTable nodes = new NodeTable(s, new Publisher(), (id, why) -> { });
      Incarnation third = new Incarnation(s, nodes, 5_000, now::get);
      assertThat(third.number()).isEqualTo(3);
      assertThat(third.holdsVerdicts()).isTrue();
      now.set(8_000);
      assertThat(third.holdsVerdicts()).as("a node that never resyncs is checked once the grace is over").isFalse();
    }
  }

  @Test
  void syncPolicyIsParsedStrictly() {
    assertThat(GcsStorage.Sync.parse(" Always")).isEqualTo(GcsStorage.Sync.ALWAYS);
    assertThat(GcsStorage.Sync.parse("never")).isEqualTo(GcsStorage.Sync.NEVER);
    assertThatThrownBy(() -> GcsStorage.Sync.parse("sometimes")).hasMessageContaining("gcs.storage-sync");
  }

  @Test
  void supervisorBackoffDoublesToItsBound() {
    assertThat(GcsSupervisor.backoffMs(1, 30_000)).isEqualTo(200);
    assertThat(GcsSupervisor.backoffMs(2, 30_000)).isEqualTo(400);
    assertThat(GcsSupervisor.backoffMs(5, 30_000)).isEqualTo(3_200);
    assertThat(GcsSupervisor.backoffMs(50, 30_000)).isEqualTo(30_000);
  }
}
