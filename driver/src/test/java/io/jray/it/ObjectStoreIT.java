package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.process.NodeOptions;
import io.jray.proto.StoreStats;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Large objects through the shared-memory store of a real node (mmap arena in /dev/shm). */
class ObjectStoreIT {
  private static final long STORE = 3L << 30;
  /** Also checks, after the class, that the raylet removed its arena when it stopped. */
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(2.0, Map.of(), STORE, "127.0.0.1"))
      .workerHeap("3g").driver();

  static StoreStats stats() {
    return cluster.nodeStats().getStore();
  }

  static long crc(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return c.getValue();
  }

  @Test
  void gigabyteArrayPutByTheDriverIsReadByATaskAndAGigabyteReturnIsReadByTheDriver() {
    int size = 1 << 30;
    byte[] big = TestTasks.bytes(size, 42);
    long expected = crc(big);
    ObjectRef<byte[]> ref = JRay.put(big);
    big = null;
    assertThat(stats().getUsed()).isGreaterThanOrEqualTo(size);
    assertThat(JRay.task(TestTasks::crc, ref).remote().get(Duration.ofMinutes(3))).isEqualTo(expected);
    ref = null;

    byte[] back = JRay.task(TestTasks::bytes, size, 7L).remote().get(Duration.ofMinutes(3));
    assertThat(back).hasSize(size);
    assertThat(crc(back)).isEqualTo(crc(TestTasks.bytes(size, 7)));
  }

  @Test
  void byteBufferGetIsAReadOnlyViewOfSharedMemory() {
    ByteBuffer direct = ByteBuffer.allocateDirect(64 << 20);
    byte[] pattern = TestTasks.bytes(64 << 20, 3);
    direct.put(pattern).flip();
    ObjectRef<ByteBuffer> ref = JRay.put(direct);
    ByteBuffer view = ref.get();
    assertThat(view.isReadOnly()).isTrue();
    assertThat(view.isDirect()).as("a view of the mapping, not a heap copy").isTrue();
    assertThat(view.remaining()).isEqualTo(64 << 20);
    assertThat(TestTasks.crcOfBuffer(view)).isEqualTo(crc(pattern));
    assertThat(JRay.task(TestTasks::crcOfBuffer, ref).remote().get()).isEqualTo(crc(pattern));
  }

  @Test
  void objectsWithoutRefsAreFreedFromTheStoreButNotUnderAPendingTask() {
    // Relative to what other tests of the class left: an idle worker may still hold a zero-copy
    // view of an earlier test's argument until its next GC, so the store need not be empty now.
    System.gc();
    StoreStats base = stats();
    List<ObjectRef<byte[]>> refs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      refs.add(JRay.put(TestTasks.bytes(1 << 20, i)));
    }
    // The leftovers counted in base may be freed meanwhile (that worker's GC runs when it likes),
    // so the 50 new objects bound the counts from below, base + 50 from above.
    StoreStats full = stats();
    assertThat(full.getObjectCount()).isBetween(50L, base.getObjectCount() + 50);
    assertThat(full.getUsed()).isGreaterThanOrEqualTo(50L << 20);

    byte[] arg = TestTasks.bytes(10 << 20, 99);
    ObjectRef<byte[]> held = JRay.put(arg);
    ObjectRef<Long> pending = JRay.task(TestTasks::crcLater, held, 3000L).remote();
    held = null;
    refs.clear();
    System.gc();
    assertThat(pending.get(Duration.ofSeconds(60))).isEqualTo(crc(arg));
    pending = null;
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      System.gc();
      StoreStats s = stats();
      return s.getUsed() <= base.getUsed() && s.getObjectCount() <= base.getObjectCount();
    });
  }

  @Test
  void largeValueArgumentsGoThroughTheStore() {
    byte[] arg = TestTasks.bytes(5 << 20, 11);
    assertThat(JRay.task(TestTasks::crc, arg).remote().get()).isEqualTo(crc(arg));
    assertThat(JRay.task(TestTasks::length, new byte[100]).remote().get()).isEqualTo(100);
  }
}
