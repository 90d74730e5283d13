package io.jray.gcs;

import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.JvmLauncher;
import io.jray.common.process.PidFiles;
import io.jray.common.process.ReadyFile;
import io.jray.common.session.SessionDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one GCS process running on the same port and storage (DESIGN §7, the role a Kubernetes
 * restart policy plays in a pod): a GCS that dies (kill -9, a crash, an OOM exit) is started again
 * after a backoff of 200 ms doubling to {@code maxBackoffMs}, reset once a GCS ran for a minute. A
 * GCS that exits on purpose (exit 0, or 143 after SIGTERM from {@code jray stop}) ends the
 * supervision, and stopping the supervisor stops its GCS first.
 *
 * <p>The first GCS may take any free port (0); every later one is started on the port the first
 * one reported. Each start rewrites the session's {@code gcs} pid file, so {@code jray stop} and
 * the tests find the GCS serving now.
 *
 * <p>Threads: {@link #run} blocks the main thread (start, wait for exit, back off); {@link #stop}
 * is called from the shutdown hook. The child and the stopping flag are volatile for that.
 */
final class GcsSupervisor {
  private static final Logger LOG = LoggerFactory.getLogger(GcsSupervisor.class);
  static final long FIRST_BACKOFF_MS = 200;
  /** A GCS that ran this long was healthy: its death starts the backoff over. */
  static final long HEALTHY_RUN_MS = 60_000;
  private static final long READY_TIMEOUT_MS = 60_000;

  private final SessionDir session;
  private final Path storageDir;
  private final Path readyFile;
  private final List<String> jvmOptions;
  private final long maxBackoffMs;
  private int port;
  private volatile Process child;
  private volatile boolean stopping;

  GcsSupervisor(SessionDir session, int port, Path storageDir, Path readyFile, List<String> jvmOptions,
      long maxBackoffMs) {
    if (maxBackoffMs < FIRST_BACKOFF_MS) {
      throw new IllegalArgumentException("gcs.supervisor.max-backoff-ms must be >= " + FIRST_BACKOFF_MS + ", got "
          + maxBackoffMs);
    }
    this.session = session;
    this.port = port;
    this.storageDir = storageDir;
    this.readyFile = readyFile;
    this.jvmOptions = jvmOptions;
    this.maxBackoffMs = maxBackoffMs;
  }

  /** The delay before restart number {@code deathsInARow} (1 = the first death after a healthy run). */
  static long backoffMs(int deathsInARow, long maxBackoffMs) {
    long d = FIRST_BACKOFF_MS;
    for (int i = 1; i < deathsInARow && d < maxBackoffMs; i++) {
      d *= 2;
    }
    return Math.min(d, maxBackoffMs);
  }

  /** Supervises until the GCS exits on purpose or {@link #stop} is called; returns the last exit code. */
  int run() throws InterruptedException {
    int deathsInARow = 0;
    int starts = 0;
    while (!stopping) {
      long startedNanos = System.nanoTime();
      Process p;
      try {
        p = startChild(starts++ == 0);
      } catch (IllegalStateException e) {
        if (starts == 1) {
          throw e; // the first start must work: jray start reports it
        }
        LOG.error("GCS restart failed: {}", e.getMessage());
        p = null;
      }
      int code = p == null ? -1 : p.waitFor();
      if (stopping) {
        return code;
      }
      if (code == 0 || code == 143) {
        LOG.info("GCS (pid {}) exited with code {}: stopped on purpose, supervision ends", p.pid(), code);
        return code;
      }
      long ranMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
      deathsInARow = ranMs >= HEALTHY_RUN_MS ? 1 : deathsInARow + 1;
      long delay = backoffMs(deathsInARow, maxBackoffMs);
      LOG.warn("GCS {} died (exit code {}) after {} ms; restarting it on port {} over {} in {} ms (death {} in a row)",
          p == null ? "" : "pid " + p.pid(), code, ranMs, port, storageDir, delay, deathsInARow);
      Thread.sleep(delay);
    }
    return 0;
  }

  private Process startChild(boolean first) {
    Path childReady = readyFile.resolveSibling(readyFile.getFileName() + ".gcs");
    try {
      Files.deleteIfExists(childReady);
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + childReady + ": " + e.getMessage(), e);
    }
    List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--session-dir",
        session.path().toString(), "--storage-dir", storageDir.toString(), "--ready-file", childReady.toString()));
    Process p = JvmLauncher.launch(ClusterLauncher.GCS_MAIN, jvmOptions, System.getProperty("java.class.path"), args,
        session.logs().resolve("gcs.out"), Map.of());
    child = p;
    PidFiles.write(session, "gcs", p.pid());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
    while (System.nanoTime() < deadline && !stopping) {
      Optional<Map<String, String>> ready = ReadyFile.read(childReady);
      if (ready.isPresent()) {
        port = Integer.parseInt(ready.get().get("port"));
        Map<String, String> mine = new LinkedHashMap<>(ready.get());
        mine.put("supervisor_pid", Long.toString(ProcessHandle.current().pid()));
        ReadyFile.write(readyFile, mine);
        LOG.info("GCS {} (pid {}) serving on port {}", first ? "started" : "restarted", p.pid(), port);
        return p;
      }
      if (!p.isAlive()) {
        if (first) {
          throw new IllegalStateException("GCS (pid " + p.pid() + ") exited with code " + p.exitValue()
              + " before it was ready; see " + session.logFile("gcs"));
        }
        return p;
      }
      sleep(20);
    }
    if (!stopping) {
      LOG.error("GCS (pid {}) not ready within {} ms: killing it", p.pid(), READY_TIMEOUT_MS);
      p.destroyForcibly();
    }
    return p;
  }

  /** Stops supervising and the GCS (SIGTERM, then SIGKILL after {@code graceMs}). */
  void stop(long graceMs) {
    stopping = true;
    Process p = child;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting GCS", e);
    }
  }
}
