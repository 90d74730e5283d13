package io.jray.gcs;

import io.jray.common.config.JRayConfig;
import io.jray.common.process.ClusterLauncher;
import io.jray.common.process.MainArgs;
import io.jray.common.session.LogSetup;
import io.jray.common.session.SessionDir;
import java.nio.file.Path;
import java.util.List;

/**
 * The GCS supervisor process of a head node ({@code jray start --head}):
 * {@code --port P --session-dir DIR --ready-file F [--storage-dir S]}. It starts the GCS as its
 * child and restarts it when it dies ({@link GcsSupervisor}); its ready file is the first GCS's,
 * plus {@code supervisor_pid}. Logs go to {@code logs/gcs-supervisor.log}.
 *
 * <p>Threads: the main thread supervises; {@code gcs-supervisor-shutdown} (the shutdown hook, on
 * SIGTERM) stops the GCS and ends supervision.
 */
public final class GcsSupervisorMain {
  private GcsSupervisorMain() {}

  public static void main(String[] argv) throws Exception {
    MainArgs args = MainArgs.parse(argv);
    SessionDir session = SessionDir.open(Path.of(args.required("session-dir")));
    LogSetup.toFile(session.logFile("gcs-supervisor"));
    int port = Integer.parseInt(args.get("port", JRayConfig.get(JRayConfig.GCS_PORT)));
    Path storage = Path.of(args.get("storage-dir", session.path().resolve("gcs-storage").toString()));
    GcsSupervisor supervisor = new GcsSupervisor(session, port, storage, Path.of(args.required("ready-file")),
        ClusterLauncher.gcsJvm(), JRayConfig.getLong(JRayConfig.GCS_SUPERVISOR_MAX_BACKOFF_MS));
    Thread main = Thread.currentThread();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      supervisor.stop(10_000);
      try {
        main.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "gcs-supervisor-shutdown"));
    supervisor.run();
  }
}
