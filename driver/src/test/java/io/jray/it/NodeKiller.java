package io.jray.it;

import io.jray.runtime.CoreWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chaos tests' killer: every {@code period} (plus up to {@code jitter}) ms it {@code kill -9}s
 * a random killable raylet and its workers, as a machine failure would, and starts a replacement
 * with {@code jray start --address}. Its own failures (a replacement that did not start) are the
 * test's: {@link #stop} rethrows them. Also records, per kill, how long until the driver had the
 * first object that died with the node made again.
 */
final class NodeKiller implements org.junit.jupiter.api.extension.BeforeAllCallback,
    org.junit.jupiter.api.extension.AfterAllCallback {
  private final ClusterExtension cluster;
  /** Killable raylets' pids: the cluster's non-head ones, then the replacements. */
  private final List<Long> victims;
  private final int cpus;
  private final long storeBytes;
  private final AtomicInteger kills = new AtomicInteger();
  private final List<Long> killToRemadeMs = new CopyOnWriteArrayList<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile Thread thread;
  private volatile int killsAtStart;

  /**
   * Kills {@code cluster}'s non-head nodes and starts replacements with {@code cpus} and
   * {@code storeBytes}; registered after the cluster (so it starts after it and stops before it).
   */
  NodeKiller(ClusterExtension cluster, int cpus, long storeBytes) {
    this.cluster = cluster;
    this.victims = new CopyOnWriteArrayList<>();
    this.cpus = cpus;
    this.storeBytes = storeBytes;
  }

  @Override
  public void beforeAll(org.junit.jupiter.api.extension.ExtensionContext context) {
    for (int i = 1; i < cluster.raylets().size(); i++) {
      victims.add(cluster.raylet(i).pid());
    }
  }

  /** Stops the replacement raylets still alive (the cluster then checks they and their workers exit). */
  @Override
  public void afterAll(org.junit.jupiter.api.extension.ExtensionContext context) {
    for (long pid : victims) {
      ProcessHandle.of(pid).filter(h -> cluster.raylets().stream().noneMatch(r -> r.pid() == h.pid()))
          .ifPresent(ProcessHandle::destroy);
    }
  }

  NodeKiller start(long periodMs, int jitterMs, long seed) {
    return start(periodMs, periodMs, jitterMs, seed);
  }

  /** As {@link #start(long, int, long)}, the first kill after {@code firstMs}. */
  NodeKiller start(long firstMs, long periodMs, int jitterMs, long seed) {
    Random random = new Random(seed);
    done.set(false);
    killsAtStart = kills.get();
    thread = Thread.ofVirtual().name("node-killer").start(() -> {
      try {
        long next = firstMs;
        while (!done.get()) {
          long wakeAt = System.nanoTime() + (next + random.nextInt(jitterMs + 1)) * 1_000_000L;
          next = periodMs;
          while (!done.get() && System.nanoTime() < wakeAt) {
            Thread.sleep(100); // not interrupted by stop: a kill and its replacement are never cut in half
          }
          if (done.get()) {
            return;
          }
          killOne(random);
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    return this;
  }

  private void killOne(Random random) throws Exception {
    long before = CoreWorker.current().lastRemadeAtNanos();
    long killedAt = System.nanoTime();
    long pid = victims.remove(random.nextInt(victims.size()));
    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
    new ProcessBuilder("pkill", "-9", "-f", "--", "raylet-pid " + pid + "$").start().waitFor();
    kills.incrementAndGet();
    Thread.ofVirtual().start(() -> timeToRemade(before, killedAt));
    String out = CliRunner.inProcess("start", "--address", cluster.gcsAddress(), "--num-cpus", Integer.toString(cpus),
        "--object-store-memory", Long.toString(storeBytes));
    Matcher m = Pattern.compile("\\(pid (\\d+)\\)").matcher(out);
    if (!m.find()) {
      throw new AssertionError("the replacement node did not start: " + out);
    }
    victims.add(Long.parseLong(m.group(1)));
  }

  private void timeToRemade(long before, long killedAt) {
    long deadline = killedAt + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      CoreWorker driver = CoreWorker.current();
      if (driver == null) {
        return; // the test is over
      }
      long remade = driver.lastRemadeAtNanos();
      if (remade != before && remade > killedAt) {
        killToRemadeMs.add((remade - killedAt) / 1_000_000);
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Stops killing (again: no-op); throws what made the killer fail, if anything did. */
  void stop() throws Exception {
    done.set(true);
    thread.join();
    Throwable t = failure.get();
    if (t != null) {
      throw new AssertionError("the node killer failed: " + t, t);
    }
  }

  /** Nodes killed since the last {@link #start}. */
  int kills() {
    return kills.get() - killsAtStart;
  }

  List<Long> killToRemadeMs() {
    return new ArrayList<>(killToRemadeMs);
  }
}
