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
 * The map-reduce a new user tried first: a head and three one-CPU nodes with 768 MiB stores; all
 * 1,500 maps (20 ms each, 0.5–2 MiB {@code long[]} outputs) are submitted before any of the 300
 * reduces (five map outputs each), then every 50th map output is read again after the reduces,
 * so map outputs that were consumed and then died with a node must be made again. Meanwhile a
 * random non-head raylet is killed with kill -9 every 10 s and a fresh node joins. Every value
 * must be right; a failure of JRay's machinery must never reach the driver as a task error.
 */
class ChaosAllAtOnceIT {
  private static final int MAPS = 1_500;
  private static final int REDUCES = 300;
  private static final long STORE = 768L << 20;
  @RegisterExtension
  @Order(1)
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(1.0, Map.of(), 1L << 30, "127.0.0.1"))
      .nodes(3, new NodeOptions(1.0, Map.of(), STORE, "127.0.0.1")).workerHeap("512m").driver();
  @RegisterExtension
  @Order(2) // after the cluster has started; stops its replacements before the cluster checks what is left
  static final NodeKiller killer = new NodeKiller(cluster, 1, STORE);

  private static long expectedReduce(long[] mapSums, int j) {
    int b = 5 * j;
    return mapSums[b] + 3 * mapSums[b + 1] + 5 * mapSums[b + 2] + 7 * mapSums[b + 3] + 11 * mapSums[b + 4];
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void allMapsThenAllReducesThenReReadsLoseNothingWhileNodesDie() throws Exception {
    long[] mapSums = new long[MAPS];
    for (int i = 0; i < MAPS; i++) {
      mapSums[i] = TestTasks.checksum(TestTasks.longsOf(i));
    }
    long re0 = CoreWorker.current().reexecutions();
    killer.start(4_000, 10_000, 0, 7);
    long t0 = System.nanoTime();
    List<ObjectRef<long[]>> maps = new ArrayList<>(MAPS);
    List<Long> reduced;
    List<Long> reread = new ArrayList<>();
    try {
      for (int i = 0; i < MAPS; i++) {
        maps.add(JRay.task(TestTasks::mapLongs, i).setMaxRetries(-1).remote());
      }
      List<ObjectRef<Long>> reduces = new ArrayList<>(REDUCES);
      for (int j = 0; j < REDUCES; j++) {
        int b = 5 * j;
        reduces.add(JRay.task(TestTasks::reduce5, maps.get(b), maps.get(b + 1), maps.get(b + 2), maps.get(b + 3),
            maps.get(b + 4)).setMaxRetries(-1).remote());
      }
      reduced = JRay.get(reduces, Duration.ofMinutes(6));
      for (int i = 0; i < MAPS; i += 50) {
        reread.add(TestTasks.checksum(maps.get(i).get(Duration.ofMinutes(3))));
      }
    } finally {
      killer.stop(); // rethrows the killer's own failure
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    int kills = killer.kills();
    long reexecuted = CoreWorker.current().reexecutions() - re0;
    System.out.printf("CHAOS-ALL-AT-ONCE: %d maps and %d reduces submitted at once, every 50th map re-read; took %d ms"
        + " with %d nodes killed; %d tasks re-executed to remake lost objects; ms from a kill to the first remade"
        + " object: %s%n", MAPS, REDUCES, ms, kills, reexecuted, killer.killToRemadeMs());
    for (int j = 0; j < REDUCES; j++) {
      assertThat(reduced.get(j)).as("reduce %d", j).isEqualTo(expectedReduce(mapSums, j));
    }
    for (int k = 0; k < reread.size(); k++) {
      assertThat(reread.get(k)).as("map %d read again", 50 * k).isEqualTo(mapSums[50 * k]);
    }
    assertThat(kills).as("nodes killed").isGreaterThan(0);
    // map outputs consumed by reduces and then lost with a node are read again: they must be remade
    assertThat(reexecuted).as("tasks re-executed to remake lost objects").isGreaterThan(0);
  }

  /**
   * Maps of each of the four drivers: 60 keep the drivers overlapping with about five kills, in
   * half the suite time 120 took (the 35-minute budget of the whole suite).
   */
  private static final int MAPS_PER_DRIVER = 60;

  /** Four drivers in JVMs of their own, each with its own map-reduce, while nodes die. */
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void fourDriversAtOnceLoseNothingWhileNodesDie() throws Exception {
    List<Process> drivers = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<String>> outputs = new ArrayList<>();
    killer.start(3_000, 8_000, 0, 11);
    try {
      for (int d = 0; d < 4; d++) {
        List<String> cmd = new ArrayList<>(List.of(io.jray.common.process.JvmLauncher.javaBinary()));
        cmd.addAll(io.jray.common.process.JvmLauncher.BASE_FLAGS);
        cmd.addAll(List.of("-Xmx384m", "-cp", System.getProperty("java.class.path"),
            MapReduceDriverProgram.class.getName(), Integer.toString(MAPS_PER_DRIVER),
            Integer.toString(10_000 * (d + 1))));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JRAY_ADDRESS", cluster.gcsAddress());
        pb.environment().put("JRAY_AUTH_TOKEN", cluster.token());
        Process p = pb.start();
        drivers.add(p);
        // read as it comes, so that a full pipe never blocks the driver
        java.util.concurrent.CompletableFuture<String> out = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
          try {
            out.complete(new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
          } catch (java.io.IOException e) {
            out.completeExceptionally(e);
          }
        });
        outputs.add(out);
      }
      for (int d = 0; d < 4; d++) {
        assertThat(drivers.get(d).waitFor(8, TimeUnit.MINUTES)).as("driver %d ended", d).isTrue();
      }
    } finally {
      drivers.forEach(Process::destroyForcibly);
      killer.stop(); // rethrows the killer's own failure
    }
    int kills = killer.kills();
    List<String> times = new ArrayList<>();
    for (int d = 0; d < 4; d++) {
      String out = outputs.get(d).get(1, TimeUnit.MINUTES);
      assertThat(drivers.get(d).exitValue()).as("driver %d exit code; it printed:%n%s", d, out).isZero();
      String ok = out.lines().filter(l -> l.startsWith("OK ")).findFirst().orElseThrow();
      times.add(ok.substring(3) + " ms");
    }
    System.out.printf("CHAOS-4-DRIVERS: 4 drivers of %d maps and %d reduces each, all correct, with %d nodes"
        + " killed; their times: %s%n", MAPS_PER_DRIVER, MAPS_PER_DRIVER / 5, kills, times);
    assertThat(kills).as("nodes killed").isGreaterThan(0);
  }
}
