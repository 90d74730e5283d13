package io.jray.it;

import io.jray.common.proto.ProtoIds;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.process.NodeOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idle workers above the node's CPU count are stopped, but not one that owns objects another
 * process still reads: it declines the raylet's request to exit, as in Ray, instead of taking
 * the objects with it.
 */
class IdleWorkersIT {
  /** A driver per test: each test is its own job, and counts only its own job's workers. */
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(1.0, Map.of(), 256L << 20, "127.0.0.1"))
      .property("jray.worker.idle-kill-ms", "1000").workerHeap("256m").driverPerTest();

  private static long workersOfThisJob() {
    ByteString job = ProtoIds.bytes(JRay.runtimeContext().jobId());
    // GetNodeStats lists the node's drivers too (state DRIVER): only worker processes count here
    return cluster.nodeStats().getWorkersList().stream().filter(w -> !w.getState().equals("DRIVER"))
        .filter(w -> w.getJobId().equals(job)).count();
  }

  @Test
  void idleWorkersThatOwnObjectsDeclineToExit() throws Exception {
    long before = workersOfThisJob();
    JRay.task(TestTasks::putHoldAndNest, 1 << 20).remote().get(Duration.ofMinutes(1));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> workersOfThisJob() >= 2);
    long owners = workersOfThisJob();
    Thread.sleep(5000); // five rounds of asking idle workers above the 1 kept to exit
    assertThat(workersOfThisJob()).as("workers that own objects stay (there were %d before)", before)
        .isEqualTo(owners);
  }

  @Test
  void anIdleWorkerThatOwnsObjectsIsKeptWhileTheOthersStop() throws Exception {
    int size = 1 << 20; // stored, not inline
    long expected = ObjectStoreIT.crc(TestTasks.bytes(size, 7));
    String node = cluster.raylet(0).ready().get("node_id");
    // the task waits for a nested one, which therefore gets a second worker: two idle workers
    // afterwards on a 1-CPU node, one of them the owner of the object the driver now borrows
    List<ObjectRef<byte[]>> inner = JRay.task(TestTasks::makeNearAndReturn, node, size, 7L).remote()
        .get(Duration.ofMinutes(1));
    assertThat(workersOfThisJob()).isEqualTo(2);

    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> workersOfThisJob() == 1);
    Thread.sleep(4000); // several more rounds of asking
    assertThat(workersOfThisJob()).isEqualTo(1);
    assertThat(ObjectStoreIT.crc(inner.get(0).get(Duration.ofMinutes(1)))).isEqualTo(expected);
  }
}
