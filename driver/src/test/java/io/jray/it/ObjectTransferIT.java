package io.jray.it;

import static io.jray.it.ClusterExtension.on;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.NodeId;
import io.jray.api.ObjectRef;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.proto.StoreStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Large objects move between the stores of three nodes: pulled in chunks, once per node. */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ObjectTransferIT {
  private static final int SIZE = 256 << 20;
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(2.0, Map.of(), 1L << 30, "127.0.0.1"))
      .nodes(2, new NodeOptions(2.0, Map.of(), 1L << 30, "127.0.0.1")).workerHeap("1g").driver();
  private static ClusterLauncher.Started b;
  private static ClusterLauncher.Started c;

  @BeforeAll
  static void start() {
    b = cluster.raylet(1);
    c = cluster.raylet(2);
  }

  private static StoreStats store(ClusterLauncher.Started node) {
    return cluster.nodeStats(node).getStore();
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void anObjectMadeOnOneNodeIsReadByteExactOnAnotherAndByTheDriver() {
    long expected = ObjectStoreIT.crc(TestTasks.bytes(SIZE, 21));
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, SIZE, 21L).setSchedulingStrategy(on(b)).remote();
    long pulledBefore = store(c).getPullCount();
    assertThat(JRay.task(TestTasks::crc, made).setSchedulingStrategy(on(c)).remote().get(Duration.ofMinutes(3)))
        .isEqualTo(expected);
    assertThat(store(c).getPullCount()).isEqualTo(pulledBefore + 1);
    assertThat(ObjectStoreIT.crc(made.get(Duration.ofMinutes(3)))).isEqualTo(expected);
    // the owner (this driver) knows every copy, and freeing the object frees all of them
    String a = cluster.raylets().get(0).ready().get("node_id");
    io.jray.api.ObjectId madeId = made.id();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        io.jray.runtime.CoreWorker.current().locationsOf(madeId).stream().map(NodeId::hex).toList()
            .containsAll(List.of(a, b.ready().get("node_id"), c.ready().get("node_id"))));
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void twentyConcurrentReadersOnOneNodeCauseOneTransfer() {
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, 64 << 20, 5L).setSchedulingStrategy(on(b)).remote();
    long expected = ObjectStoreIT.crc(TestTasks.bytes(64 << 20, 5));
    JRay.wait(List.of(made), 1, Duration.ofMinutes(2));
    long pulledBefore = store(c).getPullCount();
    List<ObjectRef<Long>> reads = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      reads.add(JRay.task(TestTasks::crc, made).setSchedulingStrategy(on(c)).remote());
    }
    for (Long crc : JRay.get(reads, Duration.ofMinutes(3))) {
      assertThat(crc).isEqualTo(expected);
    }
    assertThat(store(c).getPullCount()).isEqualTo(pulledBefore + 1);
  }

  @Test
  @org.junit.jupiter.api.Order(3) // kills node b
  void whenThePrimarysNodeDiesThePullFailsOverToACopy() throws Exception {
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, 64 << 20, 13L).setSchedulingStrategy(on(b)).remote();
    long expected = ObjectStoreIT.crc(TestTasks.bytes(64 << 20, 13));
    assertThat(JRay.task(TestTasks::crc, made).setSchedulingStrategy(on(c)).remote().get(Duration.ofMinutes(3)))
        .isEqualTo(expected);
    String cNode = c.ready().get("node_id");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        io.jray.runtime.CoreWorker.current().locationsOf(made.id()).stream().map(NodeId::hex).toList()
            .contains(cNode));
    long headPulls = cluster.nodeStats().getStore().getPullCount();
    new ProcessBuilder("kill", "-9", Long.toString(b.pid())).start().waitFor();
    // the driver's node pulls: node b is gone, its owner (this driver) names c, the only other copy
    assertThat(ObjectStoreIT.crc(made.get(Duration.ofMinutes(2)))).isEqualTo(expected);
    assertThat(cluster.nodeStats().getStore().getPullCount()).as("pulls started (the one from b failed)")
        .isEqualTo(headPulls + 2);
  }

  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE) // kills node c: last
  void whenTheOnlyCopysNodeDiesGetFailsInsteadOfHanging() throws Exception {
    // no retries: the object cannot be made again (ReconstructionIT covers re-execution)
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, 32 << 20, 9L).setSchedulingStrategy(on(c))
        .setMaxRetries(0).remote();
    JRay.wait(List.of(made), 1, Duration.ofMinutes(2));
    new ProcessBuilder("kill", "-9", Long.toString(c.pid())).start().waitFor();
    assertThatThrownBy(() -> made.get(Duration.ofMinutes(2)))
        .isInstanceOf(io.jray.api.exception.ObjectReconstructionFailedException.class)
        .hasMessageContaining(c.ready().get("node_id"));
  }
}
