package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.Func0;
import io.jray.api.JRay;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.api.SchedulingStrategy;
import io.jray.common.process.NodeOptions;
import io.jray.runtime.CoreWorker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refs inside values and borrowers: an object named only inside a task's arguments or result, or
 * held by a worker that keeps a ref after its task ended, stays readable after the driver (its
 * owner) drops its own ref, and is freed on every node (stores back to baseline) once nothing
 * that can reach it is left.
 */
class BorrowingIT {
  private static final int SIZE = 8 << 20;
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(2.0, Map.of(), 512L << 20, "127.0.0.1"))
      .node(new NodeOptions(1.0, Map.of(), 256L << 20, "127.0.0.1")).workerHeap("512m").driver();

  private static long storeUsed() {
    return cluster.nodeStats().getStore().getUsed();
  }

  private static List<Long> usedOnEveryNode() {
    return List.of(storeUsed(), cluster.nodeStats(cluster.raylet(1)).getStore().getUsed());
  }

  private static String nodeB() {
    return ClusterExtension.nodeHex(cluster.raylet(1));
  }

  private static SchedulingStrategy onNodeB() {
    return ClusterExtension.on(cluster.raylet(1));
  }

  private static SchedulingStrategy onHead() {
    return ClusterExtension.on(cluster.raylet(0));
  }

  /** Runs {@code fn} (answering its worker's pid first) until the worker {@code pid} ran it. */
  private static long[] onWorker(long pid, SchedulingStrategy where, Func0<long[]> fn) {
    for (int i = 0; i < 40; i++) {
      long[] r = JRay.task(fn).setSchedulingStrategy(where).remote().get(Duration.ofMinutes(1));
      if (r[0] == pid) {
        return r;
      }
    }
    throw new AssertionError("no task reached worker pid " + pid + " in 40 tries");
  }

  /** Waits until the driver no longer owns {@code id} and every node's store is back to {@code baselines}. */
  private static void awaitFreedEverywhere(ObjectId id, List<Long> baselines) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (CoreWorker.current().owns(id) || !usedOnEveryNode().equals(baselines)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("after 30 s: owned=" + CoreWorker.current().owns(id) + " borrowers="
            + CoreWorker.current().borrowerCount(id) + " store used per node " + usedOnEveryNode() + ", baseline "
            + baselines);
      }
      collectGarbage();
    }
  }

  private static void collectGarbage() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
  }

  @Test
  void aRefReturnedInsideAResultOutlivesTheDriversOwnRefAndIsFreedAfterwards() throws Exception {
    long baseline = storeUsed();
    long expected = ObjectStoreIT.crc(TestTasks.bytes(SIZE, 77));
    ObjectRef<byte[]> x = JRay.put(TestTasks.bytes(SIZE, 77));
    ObjectRef<List<ObjectRef<byte[]>>> echoed = JRay.task(TestTasks::echoRefs, List.of(x)).remote();
    JRay.wait(List.of(echoed), 1, Duration.ofMinutes(1));
    var xId = x.id();
    x = null;
    collectGarbage();
    // only the result (not yet read) names it now
    assertThat(CoreWorker.current().owns(xId)).isTrue();
    List<ObjectRef<byte[]>> inside = echoed.get(Duration.ofMinutes(1));
    assertThat(inside.get(0).id()).isEqualTo(xId);
    assertThat(ObjectStoreIT.crc(inside.get(0).get(Duration.ofMinutes(1)))).isEqualTo(expected);

    inside = null;
    echoed = null;
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      collectGarbage();
      return !CoreWorker.current().owns(xId) && storeUsed() == baseline;
    });
  }

  @Test
  void aWorkerThatKeepsABorrowedRefKeepsTheObjectUntilItLetsGo() throws Exception {
    List<Long> baselines = usedOnEveryNode();
    long expected = ObjectStoreIT.crc(TestTasks.bytes(SIZE, 79));
    ObjectRef<byte[]> x = JRay.put(TestTasks.bytes(SIZE, 79));
    ObjectId xId = x.id();
    long keeper = JRay.task(TestTasks::keep, List.of(x)).setSchedulingStrategy(onNodeB()).remote()
        .get(Duration.ofMinutes(1));
    x = null;
    collectGarbage();
    // the driver holds nothing that names it now: only the worker's borrow keeps it
    assertThat(CoreWorker.current().owns(xId)).isTrue();
    assertThat(CoreWorker.current().borrowerCount(xId)).isEqualTo(1);
    Thread.sleep(500);
    collectGarbage();
    assertThat(onWorker(keeper, onNodeB(), TestTasks::crcOfKept)[1]).isEqualTo(expected);

    assertThat(onWorker(keeper, onNodeB(), TestTasks::dropKept)[1]).isEqualTo(1);
    awaitFreedEverywhere(xId, baselines);
  }

  @Test
  void aRefPassedOnToAnotherWorkerLivesWhileThatWorkerHasIt() throws Exception {
    List<Long> baselines = usedOnEveryNode();
    long expected = ObjectStoreIT.crc(TestTasks.bytes(SIZE, 80));
    ObjectRef<byte[]> x = JRay.put(TestTasks.bytes(SIZE, 80));
    ObjectId xId = x.id();
    // a worker on the head node hands the ref to a task on node B, which keeps it
    long[] pids = JRay.task(TestTasks::passOn, List.of(x), nodeB()).setSchedulingStrategy(onHead()).remote()
        .get(Duration.ofMinutes(1));
    x = null;
    collectGarbage();
    onWorker(pids[0], onHead(), TestTasks::collectGarbage); // the one that passed it on lets go
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      collectGarbage();
      return CoreWorker.current().borrowerCount(xId) == 1;
    });
    assertThat(CoreWorker.current().owns(xId)).isTrue();
    assertThat(onWorker(pids[1], onNodeB(), TestTasks::crcOfKept)[1]).isEqualTo(expected);

    assertThat(onWorker(pids[1], onNodeB(), TestTasks::dropKept)[1]).isEqualTo(1);
    awaitFreedEverywhere(xId, baselines);
  }

  @Test
  void aBorrowerKilledWithKill9NoLongerKeepsTheObject() throws Exception {
    List<Long> baselines = usedOnEveryNode();
    ObjectRef<byte[]> x = JRay.put(TestTasks.bytes(SIZE, 81));
    ObjectId xId = x.id();
    long keeper = JRay.task(TestTasks::keep, List.of(x)).setSchedulingStrategy(onNodeB()).remote()
        .get(Duration.ofMinutes(1));
    x = null;
    collectGarbage();
    assertThat(CoreWorker.current().borrowerCount(xId)).isEqualTo(1);

    // its raylet reports the death to GCS, which tells the owner: the borrow ends with the process
    new ProcessBuilder("kill", "-9", Long.toString(keeper)).start().waitFor();
    awaitFreedEverywhere(xId, baselines);
  }

  @Test
  void aRefInsideAnArgumentOutlivesTheDriversOwnRefWhileTheTaskRuns() throws Exception {
    List<Long> baselines = usedOnEveryNode();
    long expected = ObjectStoreIT.crc(TestTasks.bytes(SIZE, 78));
    ObjectRef<byte[]> x = JRay.put(TestTasks.bytes(SIZE, 78));
    ObjectId xId = x.id();
    ObjectRef<Long> crc = JRay.task(TestTasks::crcOfFirstLater, List.of(x), 2000L).remote();
    x = null;
    collectGarbage();
    assertThat(crc.get(Duration.ofMinutes(1))).isEqualTo(expected);
    crc = null;
    awaitFreedEverywhere(xId, baselines); // and the worker's borrow ended once it went idle
  }
}
