package io.jray.common.process;

import io.jray.common.grpc.AuthToken;
import io.jray.common.session.SessionDir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A GCS and its raylets started by this JVM (a driver's own cluster, or a test's). {@link #stop()}
 * ends exactly these processes: SIGTERM, then SIGKILL after a grace period.
 */
public final class LocalCluster implements AutoCloseable {
  private final SessionDir session;
  private final ClusterLauncher.Started gcs;
  private final List<ClusterLauncher.Started> raylets = new ArrayList<>();
  private int nextRaylet = 1;

  private LocalCluster(SessionDir session, ClusterLauncher.Started gcs) {
    this.session = session;
    this.gcs = gcs;
  }

  /** A new session with a fresh token, GCS on {@code gcsPort} (0 = any free port) and one head raylet. */
  public static LocalCluster start(Path sessionRoot, int gcsPort, NodeOptions head, boolean markLatest) {
    SessionDir session = SessionDir.create(sessionRoot, AuthToken.generate(), markLatest);
    ClusterLauncher.Started gcs = ClusterLauncher.startGcs(session, gcsPort);
    LocalCluster c = new LocalCluster(session, gcs);
    try {
      c.raylets.add(ClusterLauncher.startRaylet(session, "raylet", c.gcsAddress(), head, true));
    } catch (RuntimeException e) {
      c.stop();
      throw e;
    }
    return c;
  }

  /** Adds a raylet (another node on this machine). */
  public ClusterLauncher.Started addNode(NodeOptions node) {
    return addNode(node, gcsAddress(), List.of());
  }

  /**
   * Adds a raylet that reaches GCS at {@code gcsAddress} and is started under {@code wrapper}
   * (see {@link ClusterLauncher#startRaylet(SessionDir, String, String, NodeOptions, boolean, List)}).
   */
  public ClusterLauncher.Started addNode(NodeOptions node, String gcsAddress, List<String> wrapper) {
    ClusterLauncher.Started r = ClusterLauncher.startRaylet(session, "raylet-" + (++nextRaylet), gcsAddress, node,
        false, wrapper);
    raylets.add(r);
    return r;
  }

  public String gcsAddress() {
    return "127.0.0.1:" + gcs.port();
  }

  public SessionDir session() {
    return session;
  }

  public String token() {
    return session.token();
  }

  public ClusterLauncher.Started gcs() {
    return gcs;
  }

  public List<ClusterLauncher.Started> raylets() {
    return List.copyOf(raylets);
  }

  /** Stops the raylets (which stop their workers), then GCS; waits for every one to exit. */
  public void stop() {
    List<Process> order = new ArrayList<>();
    raylets.forEach(r -> order.add(r.process()));
    for (Process p : order) {
      p.destroy();
    }
    waitOrKill(order, 10);
    gcs.process().destroy();
    waitOrKill(List.of(gcs.process()), 10);
    // Workers exit on their own within a second once their raylet is gone; make sure of it.
    for (ProcessHandle h : PidFiles.live(session)) {
      h.destroyForcibly();
    }
    // A raylet killed with kill -9 leaves its arena in /dev/shm; its stopped self removes it.
    for (ClusterLauncher.Started r : raylets) {
      String arena = r.ready().get("arena");
      if (arena != null) {
        try {
          java.nio.file.Files.deleteIfExists(Path.of(arena));
        } catch (java.io.IOException ignored) {
          // reported by the next raylet start, which removes stale arenas
        }
      }
    }
  }

  private static void waitOrKill(List<Process> ps, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (Process p : ps) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stop();
  }
}
