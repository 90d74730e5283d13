package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.api.exception.ObjectStoreFullException;
import io.jray.common.process.NodeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource exhaustion (issue 12 §3): a spill directory that fills up (a 32 MiB tmpfs the test
 * mounts) makes a put fail with ObjectStoreFullException naming the directory and the cause, and
 * loses no other object; an object-store directory smaller than --object-store-memory fails at
 * {@code jray start}, naming both sizes, instead of with SIGBUS in the middle of a put.
 */
class ResourceExhaustionBadInputIT {
  private static final long STORE = 128L << 20;
  private static final int OBJECT = 1 << 20;
  /** Mounted before the cluster starts: the head's spill directory. */
  private static final Tmpfs SPILL = Tmpfs.mount("32m");
  @RegisterExtension
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(1.0, Map.of(), STORE, "127.0.0.1", null,
      SPILL.dir() == null ? null : SPILL.dir().resolve("spill").toString())).driver();

  @AfterAll
  static void unmount() {
    SPILL.unmount();
  }

  @Test
  void aFullSpillDiskFailsThePutNamingTheCauseAndLosesNothingElse() {
    assumeTrue(SPILL.problem() == null, "SKIPPED: cannot mount a tmpfs for the spill directory: " + SPILL.problem());
    List<ObjectRef<byte[]>> held = new ArrayList<>();
    Throwable full = null;
    // 128 MiB in memory + 32 MiB of spill room: well before 400 MiB a spill has nowhere to go
    for (int i = 0; i < 400 && full == null; i++) {
      byte[] b = TestTasks.bytes(OBJECT, i);
      int seed = i;
      full = catchThrowable(() -> held.add(JRay.put(b)));
      if (full != null) {
        System.out.printf("ResourceExhaustionBadInputIT: put %d (seed %d) failed after %d held objects: %s%n", i, seed,
            held.size(), full);
      }
    }
    assertThat(full).as("a put once memory and spill disk are full").isInstanceOf(ObjectStoreFullException.class)
        .hasMessageContaining("cannot spill to " + SPILL.dir().resolve("spill"))
        .hasMessageContaining("No space left on device");
    var store = cluster.nodeStats().getStore();
    assertThat(store.getSpillCount()).as("some objects went to the tmpfs first").isPositive();
    assertThat(store.getUnsealedObjects()).isZero();
    assertThat(store.getObjectCount()).isEqualTo(held.size());

    // room for restores: drop the newest 32 (they are in memory; the spilled ones are the oldest)
    int keep = held.size() - 32;
    held.subList(keep, held.size()).clear();
    System.gc();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
      System.gc();
      return cluster.nodeStats().getStore().getObjectCount() <= keep;
    });
    for (int i = 0; i < keep; i++) {
      assertThat(ObjectStoreIT.crc(held.get(i).get(Duration.ofMinutes(1)))).as("object %d", i)
          .isEqualTo(ObjectStoreIT.crc(TestTasks.bytes(OBJECT, i)));
    }
    byte[] after = TestTasks.bytes(OBJECT, 9_999);
    assertThat(JRay.put(after).get()).as("the store takes puts again once there is room").isEqualTo(after);
  }

  @Test
  void aStoreDirectorySmallerThanTheStoreFailsAtStartNamingBothSizes(@TempDir Path root) throws Exception {
    Tmpfs small = Tmpfs.mount("64m");
    try {
      assumeTrue(small.problem() == null, "SKIPPED: cannot mount a tmpfs for the store directory: " + small.problem());
      Map<String, String> env = Map.of("JRAY_SESSION_ROOT", root.toString());
      CliRunner.Run start = CliRunner.process(env, "start", "--head", "--port", "0", "--num-cpus", "1",
          "--object-store-memory", Long.toString(256L << 20), "--object-store-dir", small.dir().toString());
      try {
        assertThat(start.exitCode()).as(start.output()).isNotZero();
        assertThat(start.output()).contains("the object store needs " + (256L << 20) + " bytes (--object-store-memory)")
            .contains(small.dir() + " has only").contains("--object-store-dir");
      } finally {
        CliRunner.process(env, "stop");
      }
    } finally {
      small.unmount();
    }
  }
}
