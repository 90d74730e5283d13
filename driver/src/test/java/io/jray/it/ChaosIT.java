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
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
  static final ClusterExtension cluster = ClusterExtension.head(new NodeOptions(2.0, Map.of(), 1L << 30, "127.0.0.1"))
      .nodes(3, new NodeOptions(1.0, Map.of(), 512L << 20, "127.0.0.1")).workerHeap("512m").driver();
  /** Killable raylets: pid → node id. */
  private static final List<long[]> victims = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    for (int i = 1; i <= 3; i++) {
      victims.add(new long[] {cluster.raylet(i).pid()});
    }
  }

  /** Stops the replacement raylets still alive; the extension then checks that they and their workers exit. */
  @AfterAll
  static void stopReplacements() throws Exception {
    for (long[] v : victims) {
      ProcessHandle.of(v[0]).filter(h -> cluster.raylets().stream().noneMatch(r -> r.pid() == h.pid()))
          .ifPresent(ProcessHandle::destroy);
    }
  }

  private static long expected(int wave, int j) {
    int a = wave * PER_WAVE + j;
    int b = wave * PER_WAVE + (j + 1) % PER_WAVE;
    return TestTasks.crcPair(TestTasks.block(1 + a % 10, a), TestTasks.block(1 + b % 10, b));
  }

  private static void killOne(Random random) throws Exception {
    long[] victim = victims.remove(random.nextInt(victims.size()));
    long pid = victim[0];
    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
    // its workers too, as a machine failure would take them
    new ProcessBuilder("pkill", "-9", "-f", "--", "raylet-pid " + pid + "$").start().waitFor();
    String out = CliRunner.inProcess("start", "--address", cluster.gcsAddress(), "--num-cpus", "1",
        "--object-store-memory", Long.toString(512L << 20));
    Matcher m = Pattern.compile("\\(pid (\\d+)\\)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    long newPid = Long.parseLong(m.group(1));
    victims.add(new long[] {newPid});
  }

  private static long runJob(int waves, boolean withKills, AtomicInteger kills, List<Long> killToRemade)
      throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    Thread killer = Thread.ofVirtual().start(() -> {
      Random random = new Random(42);
      try {
        while (withKills && !done.get()) {
          Thread.sleep(5000 + random.nextInt(3000));
          if (done.get()) {
            return;
          }
          long before = CoreWorker.current().lastRemadeAtNanos();
          long killedAt = System.nanoTime();
          killOne(random);
          kills.incrementAndGet();
          // how long until the owner has the first object that died with this node back
          Thread.ofVirtual().start(() -> {
            long deadline = killedAt + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
              long remade = CoreWorker.current().lastRemadeAtNanos();
              if (remade != before && remade > killedAt) {
                killToRemade.add((remade - killedAt) / 1_000_000);
                return;
              }
              try {
                Thread.sleep(20);
              } catch (InterruptedException e) {
                return;
              }
            }
          });
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
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
      done.set(true);
      killer.join();
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES) // 181 s in a full run on 2 shared cores; the default is 5
  void aMapReduceJobLosesNothingWhileNodesAreKilledAndRestarted() throws Exception {
    runJob(2, false, new AtomicInteger(), new ArrayList<>()); // every node's workers started and warm
    long re0 = CoreWorker.current().reexecutions();
    long calm = runJob(WAVES, false, new AtomicInteger(), new ArrayList<>());
    AtomicInteger kills = new AtomicInteger();
    List<Long> killToRemade = new CopyOnWriteArrayList<>();
    long chaos = runJob(WAVES, true, kills, killToRemade);
    long reexecuted = CoreWorker.current().reexecutions() - re0;
    System.out.printf("CHAOS: %d tasks per run; job took %d ms without kills and %d ms with %d nodes killed;"
        + " %d tasks re-executed to remake lost objects; ms from a kill to the first remade object: %s%n",
        2 * WAVES * PER_WAVE, calm, chaos, kills.get(), reexecuted, killToRemade);
    assertThat(kills.get()).isGreaterThan(0);
  }
}
