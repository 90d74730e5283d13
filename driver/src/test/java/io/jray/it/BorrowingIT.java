package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.process.NodeOptions;
import io.jray.runtime.CoreWorker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Refs inside values: an object named only inside a task's arguments or result stays readable
 * after the driver drops its own ref, and is freed (store back to baseline) once nothing that can
 * reach it is left.
 */
class BorrowingIT {
  private static final int SIZE = 8 << 20;
  private static TestCluster cluster;

  @BeforeAll
  static void start() {
    cluster = TestCluster.startConnected("512m", new NodeOptions(2.0, Map.of(), 512L << 20, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static long storeUsed() {
    return cluster.nodeStats().getStore().getUsed();
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
  void aRefInsideAnArgumentOutlivesTheDriversOwnRefWhileTheTaskRuns() throws Exception {
    long expected = ObjectStoreIT.crc(TestTasks.bytes(SIZE, 78));
    ObjectRef<byte[]> x = JRay.put(TestTasks.bytes(SIZE, 78));
    ObjectRef<Long> crc = JRay.task(TestTasks::crcOfFirstLater, List.of(x), 2000L).remote();
    x = null;
    collectGarbage();
    assertThat(crc.get(Duration.ofMinutes(1))).isEqualTo(expected);
  }
}
