package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.ObjectStoreFullException;
import io.jray.common.process.NodeOptions;
import io.jray.proto.StoreStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A 512 MiB store under far more data than it holds: spilling, restoring, and a clean "full". */
class SpillingIT {
  private static final long STORE = 512L << 20;
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(2.0, Map.of(), STORE, "127.0.0.1"))
      .workerHeap("1g").driver();

  static StoreStats stats() {
    return cluster.nodeStats().getStore();
  }

  @Test
  void tenThousandMebibyteObjectsThroughA512MibStoreAllReadBackByteExact() {
    int n = 10_000;
    int size = 1 << 20;
    List<ObjectRef<byte[]>> refs = new ArrayList<>(n);
    long[] expected = new long[n];
    for (int i = 0; i < n; i++) {
      if (i % 2 == 0) {
        byte[] b = TestTasks.bytes(size, i);
        expected[i] = ObjectStoreIT.crc(b);
        refs.add(JRay.put(b));
      } else {
        expected[i] = -1; // computed lazily below: the task makes the same bytes from the seed
        refs.add(JRay.task(TestTasks::bytes, size, (long) i).remote());
      }
    }
    Random random = new Random(5);
    for (int k = 0; k < 1_500; k++) {
      int i = random.nextInt(n);
      byte[] got = refs.get(i).get(Duration.ofMinutes(2));
      long want = expected[i] >= 0 ? expected[i] : ObjectStoreIT.crc(TestTasks.bytes(size, i));
      assertThat(ObjectStoreIT.crc(got)).as("object %d", i).isEqualTo(want);
    }
    StoreStats s = stats();
    System.out.printf("store: %d objects, %d bytes used, %d spilled bytes, %d spills, %d restores%n",
        s.getObjectCount(), s.getUsed(), s.getSpilledBytes(), s.getSpillCount(), s.getRestoreCount());
    assertThat(s.getObjectCount()).isEqualTo(n);
    assertThat(s.getSpillCount()).isPositive();
    assertThat(s.getRestoreCount()).isPositive();
    assertThat(s.getUsed()).isLessThanOrEqualTo(STORE);
    // also read back through a task on another JVM, which maps the same arena
    assertThat(JRay.task(TestTasks::crc, refs.get(0)).remote().get()).isEqualTo(expected[0]);
    refs.clear();
  }

  @Test
  void aPutLargerThanTheStoreFailsAndTheStoreKeepsWorking() {
    StoreStats before = stats();
    byte[] tooBig = new byte[(int) STORE + (1 << 20)];
    assertThatThrownBy(() -> JRay.put(tooBig)).isInstanceOf(ObjectStoreFullException.class)
        .hasMessageContaining("capacity " + STORE + " bytes, less than the object alone")
        .hasMessageContaining("--object-store-memory");
    // nothing of the refused put stays behind; the count may only fall (the other test's 10,000
    // objects are freed in the background when it ran first: random method order)
    StoreStats after = stats();
    assertThat(after.getObjectCount()).isLessThanOrEqualTo(before.getObjectCount());
    assertThat(after.getUnsealedObjects()).isZero();
    assertThat(after.getUsed()).isLessThanOrEqualTo(before.getUsed());
    byte[] ok = TestTasks.bytes(1 << 20, 1);
    assertThat(JRay.put(ok).get()).isEqualTo(ok);
    assertThatThrownBy(() -> JRay.task(TestTasks::bytes, (int) STORE + 4096, 1L).remote().get())
        .isInstanceOf(ObjectStoreFullException.class).hasMessageContaining("return value");
  }
}
