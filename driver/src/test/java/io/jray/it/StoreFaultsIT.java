package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.WorkerCrashedException;
import io.jray.common.process.NodeOptions;
import io.jray.proto.GetNodeStatsReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Store writers and readers in several worker JVMs at once, and a writer killed with kill -9 in
 * the middle of a 200 MiB object (writers pause halfway through here: a fault-injection setting).
 */
class StoreFaultsIT {
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(2.0, Map.of(), 1L << 30, "127.0.0.1"))
      .property("jray.testing.store-write-delay-ms", "4000").workerHeap("1g").driver();

  static GetNodeStatsReply nodeStats() {
    return cluster.nodeStats();
  }

  @Test
  void writerKilledMidWriteLeavesNoAllocationAndNoReadableHalfObject() throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      System.gc();
      return nodeStats().getStore().getUsed() == 0;
    });
    ObjectRef<byte[]> r = JRay.task(TestTasks::bytes, 200 << 20, 5L).setMaxRetries(0).remote();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> nodeStats().getStore().getUnsealedObjects() == 1);
    GetNodeStatsReply s = nodeStats();
    assertThat(s.getStore().getUsed()).isGreaterThanOrEqualTo(200L << 20);
    long writer = s.getWorkersList().stream().filter(w -> w.getState().equals("LEASED")).findFirst().orElseThrow()
        .getPid();
    new ProcessBuilder("kill", "-9", Long.toString(writer)).start().waitFor();
    assertThatThrownBy(() -> r.get(Duration.ofSeconds(60))).isInstanceOf(WorkerCrashedException.class);
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var st = nodeStats().getStore();
      return st.getUnsealedObjects() == 0 && st.getUsed() == 0 && st.getObjectCount() == 0;
    });
    // the node goes on: the same object written in full by a new worker reads back exact
    byte[] again = JRay.task(TestTasks::bytes, 200 << 20, 5L).remote().get(Duration.ofSeconds(120));
    assertThat(ObjectStoreIT.crc(again)).isEqualTo(ObjectStoreIT.crc(TestTasks.bytes(200 << 20, 5)));
  }

  @Test
  void twoWorkersWriteAndReadTheSameAndDifferentObjectsConcurrently() {
    ObjectRef<byte[]> shared = JRay.put(TestTasks.bytes(8 << 20, 77));
    long sharedCrc = ObjectStoreIT.crc(TestTasks.bytes(8 << 20, 77));
    List<ObjectRef<Long>> reads = new ArrayList<>();
    List<ObjectRef<byte[]>> writes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      reads.add(JRay.task(TestTasks::crc, shared).remote());
      writes.add(JRay.task(TestTasks::bytes, 2 << 20, (long) i).remote());
    }
    for (ObjectRef<Long> c : reads) {
      assertThat(c.get(Duration.ofMinutes(2))).isEqualTo(sharedCrc);
    }
    for (int i = 0; i < writes.size(); i++) {
      assertThat(ObjectStoreIT.crc(writes.get(i).get(Duration.ofMinutes(2))))
          .isEqualTo(ObjectStoreIT.crc(TestTasks.bytes(2 << 20, i)));
    }
    var workers = nodeStats().getWorkersList().stream().map(w -> w.getPid()).distinct().count();
    assertThat(workers).isGreaterThanOrEqualTo(2);
  }
}
