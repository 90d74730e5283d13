package io.jray.it;

import static io.jray.it.ClusterExtension.near;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.NodeId;
import io.jray.api.ObjectRef;
import io.jray.api.exception.ObjectReconstructionFailedException;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.NodeOptions;
import io.jray.runtime.CoreWorker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lineage reconstruction: objects whose every copy died with their node are made again by their
 * owner re-running the tasks that made them, arguments first.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ReconstructionIT {
  private static final int SIZE = 50 << 20;
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(1.0, Map.of(), 1L << 30, "127.0.0.1"))
      .nodes(3, new NodeOptions(1.0, Map.of(), 512L << 20, "127.0.0.1")).workerHeap("768m").driver();
  private static ClusterLauncher.Started b;
  private static ClusterLauncher.Started c;
  private static ClusterLauncher.Started d;

  @BeforeAll
  static void start() {
    b = cluster.raylet(1);
    c = cluster.raylet(2);
    d = cluster.raylet(3);
  }

  private static void kill(ClusterLauncher.Started node) throws Exception {
    new ProcessBuilder("kill", "-9", Long.toString(node.pid())).start().waitFor();
  }

  @Test
  @org.junit.jupiter.api.Order(1) // kills node c
  void aChainWhoseMiddleNodeDiedIsReadCorrectlyAfterReExecution() throws Exception {
    byte[] source = TestTasks.bytes(SIZE, 3);
    long first = ObjectStoreIT.crc(TestTasks.plusOne(source));
    long second = ObjectStoreIT.crc(TestTasks.plusOne(TestTasks.plusOne(source)));
    long third = ObjectStoreIT.crc(TestTasks.plusOne(TestTasks.plusOne(TestTasks.plusOne(source))));
    // everything on c but the last step, on d: killing c loses made and one for good
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, SIZE, 3L).setSchedulingStrategy(near(c)).remote();
    ObjectRef<byte[]> one = JRay.task(TestTasks::plusOne, made).setSchedulingStrategy(near(c)).remote();
    ObjectRef<byte[]> two = JRay.task(TestTasks::plusOne, one).setSchedulingStrategy(near(c)).remote();
    ObjectRef<byte[]> three = JRay.task(TestTasks::plusOne, two).setSchedulingStrategy(near(d)).remote();
    JRay.wait(List.of(three), 1, Duration.ofMinutes(3));
    long before = CoreWorker.current().reexecutions();
    String dead = c.ready().get("node_id");
    for (ObjectRef<byte[]> r : List.of(made, one)) {
      assertThat(CoreWorker.current().locationsOf(r.id())).extracting(NodeId::hex).containsExactly(dead);
    }
    // three ran on d with a pulled copy of two, which therefore survives c
    assertThat(CoreWorker.current().locationsOf(two.id())).extracting(NodeId::hex)
        .containsExactlyInAnyOrder(dead, d.ready().get("node_id"));

    kill(c);
    long t0 = System.nanoTime();
    assertThat(ObjectStoreIT.crc(three.get(Duration.ofMinutes(3)))).isEqualTo(third);
    assertThat(ObjectStoreIT.crc(two.get(Duration.ofMinutes(3)))).isEqualTo(second);
    assertThat(ObjectStoreIT.crc(one.get(Duration.ofMinutes(3)))).isEqualTo(first);
    System.out.printf("reconstructed after a kill in %d ms with %d re-executions%n",
        (System.nanoTime() - t0) / 1_000_000, CoreWorker.current().reexecutions() - before);
    // one was only on c, and so was its argument made: both ran again, made first
    assertThat(CoreWorker.current().reexecutions() - before).isEqualTo(2);
    // once GCS has declared c dead, the owner no longer lists it
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (ObjectRef<byte[]> r : List.of(made, one, two)) {
        assertThat(CoreWorker.current().locationsOf(r.id())).extracting(NodeId::hex).isNotEmpty()
            .doesNotContain(dead);
      }
    });
  }

  @Test
  @org.junit.jupiter.api.Order(3) // kills node d
  void anObjectOwnedByAWorkerIsMadeAgainByThatWorkerWhenItsNodeDies() throws Exception {
    long expected = ObjectStoreIT.crc(TestTasks.bytes(SIZE, 6));
    // a worker on the head node owns it; the object itself is made on d; the driver only borrows it
    List<ObjectRef<byte[]>> inner = JRay.task(TestTasks::makeNearAndReturn, d.ready().get("node_id"), SIZE, 6L)
        .setSchedulingStrategy(near(cluster.raylet(0))).remote().get(Duration.ofMinutes(2));
    assertThat(CoreWorker.current().owns(inner.get(0).id())).isFalse();
    kill(d);
    // the owner hears of d's death from GCS and runs the task again on a surviving node; the
    // driver's get waits for that instead of failing
    assertThat(ObjectStoreIT.crc(inner.get(0).get(Duration.ofMinutes(3)))).isEqualTo(expected);
  }

  @Test
  @org.junit.jupiter.api.Order(2) // kills node b
  void anObjectWhoseTaskHasNoRetriesLeftFailsWithReconstructionFailed() throws Exception {
    ObjectRef<byte[]> made = JRay.task(TestTasks::bytes, SIZE, 4L).setSchedulingStrategy(near(b))
        .setMaxRetries(0).remote();
    JRay.wait(List.of(made), 1, Duration.ofMinutes(2));
    assertThat(CoreWorker.current().locationsOf(made.id())).extracting(NodeId::hex)
        .containsExactly(b.ready().get("node_id"));
    kill(b);
    assertThatThrownBy(() -> made.get(Duration.ofMinutes(2)))
        .isInstanceOf(ObjectReconstructionFailedException.class).hasMessageContaining("maxRetries=0");
  }
}
