package io.jray.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jray.api.JRay;
import io.jray.api.ObjectRef;
import io.jray.common.process.NodeOptions;
import io.jray.runtime.CoreWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A map-reduce job of 2,000 tasks with 1–10 MiB intermediate objects runs on a head and three
 * nodes while a killer {@code kill -9}s a random non-head raylet and its workers every few
 * seconds and starts a replacement with {@code jray start --address}. Every result must be right
 * and no {@code get} may fail or hang: lost map outputs are made again from lineage, tasks on
 * killed nodes are retried.
 */
class ChaosIT {
  private static final int WAVES = 20;
  private static final int PER_WAVE = 50; // maps, and as many reduces
  private static final Duration WAVE_BOUND = Duration.ofMinutes(3);
  @RegisterExtension
  @Order(1)
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(2.0, Map.of(), 1L << 30, "127.0.0.1"))
      .nodes(3, new NodeOptions(1.0, Map.of(), 512L << 20, "127.0.0.1")).workerHeap("512m").driver();
  @RegisterExtension
  @Order(2) // after the cluster has started; stops its replacements before the cluster checks what is left
  static final NodeKiller killer = new NodeKiller(cluster, 1, 512L << 20);

  private static long expected(int wave, int j) {
    int a = wave * PER_WAVE + j;
    int b = wave * PER_WAVE + (j + 1) % PER_WAVE;
    return TestTasks.crcPair(TestTasks.block(1 + a % 10, a), TestTasks.block(1 + b % 10, b));
  }

  private static long runJob(int waves, NodeKiller killer) throws Exception {
    long t0 = System.nanoTime();
    try {
      for (int wave = 0; wave < waves; wave++) {
        List<ObjectRef<byte[]>> maps = new ArrayList<>();
        for (int j = 0; j < PER_WAVE; j++) {
          int i = wave * PER_WAVE + j;
          maps.add(JRay.task(TestTasks::block, 1 + i % 10, (long) i).setMaxRetries(-1).remote());
        }
        List<ObjectRef<Long>> reduces = new ArrayList<>();
        for (int j = 0; j < PER_WAVE; j++) {
          reduces.add(JRay.task(TestTasks::crcPair, maps.get(j), maps.get((j + 1) % PER_WAVE)).setMaxRetries(-1)
              .remote());
        }
        List<Long> got = JRay.get(reduces, WAVE_BOUND);
        for (int j = 0; j < PER_WAVE; j++) {
          assertThat(got.get(j)).as("wave %d reduce %d", wave, j).isEqualTo(expected(wave, j));
        }
      }
    } finally {
      if (killer != null) {
        killer.stop(); // rethrows the killer's own failure
      }
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES) // 181 s in a full run on 2 shared cores; the default is 5
  void aMapReduceJobLosesNothingWhileNodesAreKilledAndRestarted() throws Exception {
    runJob(2, null); // every node's workers started and warm
    long re0 = CoreWorker.current().reexecutions();
    long calm = runJob(WAVES, null);
    killer.start(5000, 3000, 42);
    long chaos = runJob(WAVES, killer);
    int kills = killer.kills();
    long reexecuted = CoreWorker.current().reexecutions() - re0;
    System.out.printf("CHAOS: %d tasks per run; job took %d ms without kills and %d ms with %d nodes killed;"
        + " %d tasks re-executed to remake lost objects; ms from a kill to the first remade object: %s%n",
        2 * WAVES * PER_WAVE, calm, chaos, kills, reexecuted, killer.killToRemadeMs());
    assertThat(kills).as("nodes killed").isGreaterThan(0);
  }
}
