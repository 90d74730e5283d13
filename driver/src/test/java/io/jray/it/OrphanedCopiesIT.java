package io.jray.it;

import static io.jray.it.ClusterExtension.on;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.OwnerDiedException;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.proto.StoreStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * When the worker that owns an object is killed, every node frees its copies of it (the primary,
 * and copies pulled elsewhere), and the driver's get of it raises OwnerDiedException.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OrphanedCopiesIT {
  private static final int SIZE = 8 << 20;
  /** A worker-death publication reaches every raylet in well under a second; this leaves room for a slow CI. */
  private static final Duration FREED_WITHIN = Duration.ofSeconds(15);
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(1.0, Map.of(), 256L << 20, "127.0.0.1"))
      .node(new NodeOptions(1.0, Map.of(), 256L << 20, "127.0.0.1")).workerHeap("512m").driver();
  private static ClusterLauncher.Started head;
  private static ClusterLauncher.Started other;

  @BeforeAll
  static void start() {
    head = cluster.raylet(0);
    other = cluster.raylet(1);
  }

  private static StoreStats store(ClusterLauncher.Started node) {
    return cluster.nodeStats(node).getStore();
  }

  private static void kill(long pid) throws Exception {
    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
  }

  /** Both stores get back to {@code headUsed} and {@code otherUsed} bytes, spilled ones included. */
  private static void awaitFreed(long headUsed, long otherUsed) {
    long t0 = System.nanoTime();
    Awaitility.await().atMost(FREED_WITHIN).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      StoreStats h = store(head);
      StoreStats o = store(other);
      assertThat(h.getUsed() + h.getSpilledBytes()).as("head node's store").isEqualTo(headUsed);
      assertThat(o.getUsed() + o.getSpilledBytes()).as("other node's store").isEqualTo(otherUsed);
    });
    System.out.printf("orphaned copies freed on both nodes %d ms after the kill%n", (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  @Order(1)
  void aKilledWorkersPutIsFreedOnItsNodeAndWhereverItWasCopied() throws Exception {
    long headBefore = store(head).getUsed();
    long otherBefore = store(other).getUsed();
    TestTasks.Held held = JRay.task(TestTasks::putAndHold, SIZE).setSchedulingStrategy(on(other)).remote()
        .get(Duration.ofMinutes(2));
    ObjectRef<byte[]> large = held.refs().get(1);
    long pullsBefore = store(head).getPullCount();
    long crc = JRay.task(TestTasks::crc, large).setSchedulingStrategy(on(head)).remote().get(Duration.ofMinutes(2));
    assertThat(crc).isEqualTo(TestTasks.crc(TestTasks.bytes(SIZE, 5)));
    assertThat(store(head).getPullCount()).as("a copy was pulled to the head node").isEqualTo(pullsBefore + 1);
    assertThat(store(head).getUsed()).isGreaterThanOrEqualTo(headBefore + SIZE);
    assertThat(store(other).getUsed()).isGreaterThanOrEqualTo(otherBefore + SIZE);

    kill(held.pid());
    awaitFreed(headBefore, otherBefore);
    assertThatThrownBy(() -> large.get(Duration.ofSeconds(15))).isInstanceOf(OwnerDiedException.class);
  }

  @Test
  @Order(2)
  void aKilledCallersTaskReturnIsFreedWhereTheTaskRan() throws Exception {
    long headBefore = store(head).getUsed();
    long otherBefore = store(other).getUsed();
    // the caller runs on the head node and owns the result its child task stores on the other node
    TestTasks.Held held = JRay.task(TestTasks::holdReturnOf, SIZE, other.ready().get("node_id"))
        .setSchedulingStrategy(on(head)).remote().get(Duration.ofMinutes(2));
    assertThat(store(other).getUsed()).isGreaterThanOrEqualTo(otherBefore + SIZE);

    kill(held.pid());
    awaitFreed(headBefore, otherBefore);
    assertThatThrownBy(() -> held.refs().get(0).get(Duration.ofSeconds(15))).isInstanceOf(OwnerDiedException.class);
  }

  @Test
  @Order(3)
  void theNodesStillRunTasksAfterwards() {
    List<Integer> out = JRay.get(List.of(JRay.task(TestTasks::increment, 1).setSchedulingStrategy(on(head)).remote(),
        JRay.task(TestTasks::increment, 2).setSchedulingStrategy(on(other)).remote()), Duration.ofMinutes(2));
    assertThat(out).containsExactly(2, 3);
  }
}
